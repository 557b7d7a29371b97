"""API conventions: one error shape for every failure, Django ValidationError mapped to 400; the scoped viewset
that every app's API builds on (writes through services, answered with the record as it now is)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
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


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset over rows of ``model`` in the caller's scope (outside it: 404); ``filters`` maps query parameters to lookups (exact values)."""

    model = None
    filters: dict[str, str] = {}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = self.model.objects.for_user(self.request.user)
        for param, lookup in self.filters.items():
            value = self.request.query_params.get(param)
            if value:
                qs = qs.filter(**{lookup: value})
        return qs

    def _answer(self, write: Callable[[], object], obj=None, code=status.HTTP_200_OK) -> Response:
        """Run a service write, then answer with the record as it now is (re-read through the scope)."""
        result = write()
        pk = (obj or result).pk
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=code)
