"""REST API of 防返贫监测: monitoring cases and clues (read), clues entered by staff (write) in the caller's region; outside it, 404. Personal
keys (ID number, phone) masked unless the reader sees them in full."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status

from jingzhun.core.api import ChoiceParam, CodeParam, MasksPersonalData, ScopedViewSet, validated
from jingzhun.core.ids import validate_phone
from jingzhun.core.pagination import KeysetCursorPagination
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.choices import MonitoringKind

from . import services
from .choices import CaseState, ClueSource, ClueStatus
from .models import Case, Clue


def _label(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


class CaseSerializer(serializers.ModelSerializer):
    kind_label = _label("kind")
    state_label = _label("state")
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    stage = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "household", "head_name", "region", "kind", "kind_label", "risk_types", "first_clue_on", "state",
            "state_label", "stage", "application", "clearance", "period", "authorised_on", "income",
            "rigid_expenses", "natural", "tracking_since", "ended_on",
        ]  # fmt: skip

    def get_stage(self, case) -> str | None:
        """The running procedure's stage (认定 or 风险消除), if any."""
        app = case.clearance if case.state == CaseState.CLEARING else case.application
        return app.stage if case.state in (CaseState.IDENTIFYING, CaseState.CLEARING) else None


class ClueSerializer(MasksPersonalData, serializers.ModelSerializer):
    source_label = _label("source")
    status_label = _label("status")

    class Meta:
        model = Clue
        fields = [
            "id", "reference", "region", "household", "source", "source_label", "department", "reported_on", "name",
            "id_number", "phone", "text", "risk_types", "value", "status", "status_label", "case", "decided_on",
            "decision_note",
        ]  # fmt: skip


class ClueCreateSerializer(serializers.Serializer):
    """A clue entered by staff or a cadre (the village by its 12-digit code, in the caller's scope)."""

    village = serializers.RegexField(r"^[0-9]{12}$", help_text="村的 12 位区划代码")
    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[validate_phone]
    )
    text = serializers.CharField(max_length=2000)
    risk_types = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=20
    )
    reported_on = serializers.DateField(required=False)


class CaseFilters(serializers.Serializer):
    state = ChoiceParam(CaseState.choices)
    kind = ChoiceParam(MonitoringKind.choices)
    region = CodeParam("exact village code")


class ClueFilters(serializers.Serializer):
    status = ChoiceParam(ClueStatus.choices)
    source = ChoiceParam(ClueSource.choices)
    region = CodeParam("exact village code")


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """监测案例: the household's monitoring case, its state and the running procedure's stage."""

    model = Case
    serializer_class = CaseSerializer
    filters = {"state": "state", "kind": "kind", "region": "region_id"}
    filter_serializer = CaseFilters
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("household", "application", "clearance")


class ClueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """风险线索 from every channel, with source, date and the township's decision."""

    model = Clue
    serializer_class = ClueSerializer
    filters = {"status": "status", "source": "source", "region": "region_id"}
    filter_serializer = ClueFilters
    pagination_class = KeysetCursorPagination

    @extend_schema(request=ClueCreateSerializer, responses=ClueSerializer)
    def create(self, request):
        """登记风险线索 (staff or a cadre): the same service as the page — the person found by ID number, one
        registered in another county refused, every refusal in Chinese and nothing saved."""
        d = validated(ClueCreateSerializer, request)
        village = get_object_or_404(
            Region.objects.for_user(request.user).filter(level=RegionLevel.VILLAGE), code=d.pop("village")
        )
        return self._answer(
            lambda: services.clue_report(user=request.user, village=village, **d),
            code=status.HTTP_201_CREATED,
        )
