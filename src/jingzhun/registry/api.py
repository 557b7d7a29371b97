"""REST API for households (nested members and yearly records). Thin: shapes in, services do the work."""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from jingzhun.accounts import permissions
from jingzhun.core.api import query_params
from jingzhun.core.masking import Shown, sees_in_full

from . import selectors, services
from .forms import HouseholdFilterForm
from .models import Household, Member
from .serializers import HouseholdListSerializer, HouseholdSerializer

FILTER_PARAMS = [
    OpenApiParameter("region", str, description="region code: households in its subtree"),
    OpenApiParameter("status", str, description="household status"),
    OpenApiParameter("main_cause", str, description="main cause of poverty"),
    OpenApiParameter("attribute", str, description="household attribute"),
    OpenApiParameter("year", int, description="only households with a record for this year"),
    OpenApiParameter("q", str, description="household number prefix or head's exact name"),
    OpenApiParameter(
        "reveal", bool, description="detail only: show ID numbers in full (logged; not for viewers)"
    ),
]


class RevealParam(serializers.Serializer):
    reveal = serializers.BooleanField(required=False, default=False)


def parse_filters(request) -> selectors.HouseholdFilters:
    form = HouseholdFilterForm(request.query_params, user=request.user)
    if not form.is_valid():
        raise ValidationError({field: list(msgs) for field, msgs in form.errors.items()})
    return form.filters()


@extend_schema_view(
    list=extend_schema(parameters=FILTER_PARAMS[:-1]), retrieve=extend_schema(parameters=FILTER_PARAMS[-1:])
)
class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Households in the caller's region scope. Out-of-scope ids answer 404."""

    serializer_class = HouseholdSerializer

    def get_queryset(self):
        if self.action == "list":
            return selectors.household_list(user=self.request.user, filters=parse_filters(self.request))
        return (
            Household.objects.for_user(self.request.user)
            .select_related("region")
            .prefetch_related(
                Prefetch("members", queryset=Member.objects.filter(is_active=True).order_by("id")), "years"
            )
        )

    def get_serializer_class(self):
        return HouseholdListSerializer if self.action == "list" else HouseholdSerializer

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        context = self.get_serializer_context()
        reveal = query_params(RevealParam, request).get("reveal", False)
        if reveal and not sees_in_full(request.user):
            services.personal_data_revealed(user=request.user, household=household)
            context["shown"] = Shown(full=True)  # a logged reveal of this household
        return Response(HouseholdSerializer(household, context=context).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload = serializer.service_input()
        household = services.household_register(
            user=request.user, household=payload["data"], members=payload["members"] or [],
            years=payload["years"] or [],
        )  # fmt: skip
        return Response(self._fresh(household), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        household = self.get_object()
        permissions.require(request.user, "change", region=household.region_id)
        serializer = self.get_serializer(household, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        payload = serializer.service_input()
        services.household_update(
            user=request.user, household=household, data=payload["data"], members=payload["members"],
            years=payload["years"],
        )  # fmt: skip
        return Response(self._fresh(household))

    def _fresh(self, household):
        return HouseholdSerializer(
            self.get_queryset().get(pk=household.pk), context=self.get_serializer_context()
        ).data
