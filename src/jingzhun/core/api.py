"""API conventions: one error shape for every failure, Django ValidationError mapped to 400; the scoped viewset
that every app's API builds on (writes through services, answered with the record as it now is)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular import openapi
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .masking import FIELD_KINDS, HEALTH, Shown, mask


def validation_error_detail(error: ValidationError):
    """Field errors as {"field": ["message", ...]} (nested paths such as "members.1.id_number" kept)."""
    if hasattr(error, "error_dict"):
        return {field: [m for e in errs for m in e.messages] for field, errs in error.error_dict.items()}
    return {"non_field_errors": error.messages}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors ({"members": {"0": {"id_number": [...]}}}) as dotted paths, like the services'."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            # A nested serializer's own errors belong to the field that holds it.
            out.update(
                flatten_errors(value, prefix if key == "non_field_errors" and prefix else f"{prefix}{key}.")
            )
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for i, item in enumerate(detail):
            if item:
                out.update(flatten_errors(item, f"{prefix}{i}."))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix.rstrip(".") or "non_field_errors": [str(m) for m in messages]}


def exception_handler(exc, context):
    """Answer every error as ``{"error": {"code", "message", "fields"}}`` with the right status."""
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到，或不在您的管辖范围内。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("您没有执行此操作的权限。"))
    elif isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("提交的数据有误，请按字段提示修改。"),
            "fields": flatten_errors(exc.detail),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    else:
        body = {"code": getattr(exc, "default_code", "error"), "message": str(getattr(exc, "detail", exc))}
    response.data = {"error": body}
    return response


class MasksPersonalData:
    """Serializer mixin: the personal keys of its output (``core.masking.FIELD_KINDS``) masked unless the reader
    sees them in full — ``context["shown"]`` after a logged reveal, else the requesting user's permission. A
    masked health status is null (its enum has no masked value); declare such fields ``allow_null``."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = self.context.get("shown")
        if not isinstance(shown, Shown):
            shown = Shown.for_reader(getattr(self.context.get("request"), "user", None))
        if not shown.full:
            for key in data.keys() & FIELD_KINDS.keys():
                kind = FIELD_KINDS[key]
                data[key] = None if kind == HEALTH else mask(kind, data[key])
        return data


class TooLarge(exceptions.APIException):
    status_code, default_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "too_large"
    default_detail = gettext_lazy("请求内容过大。")


# --- query parameters: one way to read them --------------------------------------------------------------------
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """A record id in a body or a query: a positive 64-bit integer (a 27-digit one is a 400, not an overflow)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def IdParam():
    return IdField(required=False)


def YearParam():
    return serializers.IntegerField(required=False, min_value=2000, max_value=2100)


def CodeParam(help_text="12-digit region code"):
    return serializers.RegexField(r"^[0-9]{12}$", required=False, allow_blank=True, help_text=help_text)


def ChoiceParam(choices):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True)


def query_params(serializer_class, request) -> dict:
    """The view's query parameters, validated (bad → 400 in the error shape); absent/blank ones left out."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return {k: v for k, v in serializer.validated_data.items() if v not in (None, "")}


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class AutoSchema(openapi.AutoSchema):
    """Every operation documents the error shape for 400/403/404 (and 413/429), and a list documents its
    ``filter_serializer`` as query parameters."""

    def get_override_parameters(self):
        extra = getattr(self.view, "filter_serializer", None)
        return [*super().get_override_parameters(), *([extra] if extra and self._is_list_view() else [])]

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        write = self.method in {"POST", "PUT", "PATCH"}
        codes = [
            "400",
            "403",
            "429",
            "404",  # a record, a region or a filter's target outside the caller's scope
            *(["413"] if write else []),
        ]
        for code in codes:
            bodies.setdefault(code, self._get_response_for_code(ErrorSerializer, code, direction=direction))
        return bodies


def api_handler(status_code: int, code: str, message: str, fallback):
    """A Django handler400/404/500 that answers /api/ paths in the error shape and the web UI as before."""

    def handler(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status_code)
        return fallback(request, *args, **kwargs)

    return handler


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset over rows of ``model`` in the caller's scope (outside it: 404); ``filters`` maps query parameters to lookups (exact values)."""

    model = None
    filters: dict[str, str] = {}
    filter_serializer: type[serializers.Serializer] | None = None  # validates ``filters``' parameters
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared = set(cls.filter_serializer().fields) if cls.filter_serializer else set()
        if declared != set(cls.filters):  # a filter without its parameter type would be ignored silently
            raise TypeError(
                f"{cls.__name__}: filters {sorted(cls.filters)} ≠ filter_serializer {sorted(declared)}"
            )

    def get_queryset(self):
        qs = self.model.objects.for_user(self.request.user)
        if self.filter_serializer is not None:
            values = query_params(self.filter_serializer, self.request)
            qs = qs.filter(**{self.filters[k]: v for k, v in values.items() if k in self.filters})
        return qs

    def _answer(self, write: Callable[[], object], obj=None, code=status.HTTP_200_OK) -> Response:
        """Run a service write, then answer with the record as it now is (re-read through the scope)."""
        result = write()
        pk = (obj or result).pk
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)
