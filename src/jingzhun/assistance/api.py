"""REST API of 一户一策 (for village cadres' phones and other systems): plans with their measures, progress on a
measure, visits. The same services as the pages; outside the caller's region: 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from jingzhun.core.api import CodeParam, IdParam, ScopedViewSet, YearParam, validated
from jingzhun.core.pagination import KeysetCursorPagination
from jingzhun.registry.models import Household

from . import plans, selectors
from .models import HelpingUnit, Measure, Plan, Visit
from .serializers import (
    MeasureCreateSerializer,
    MeasureSerializer,
    PlanCreateSerializer,
    PlanSerializer,
    ProgressSerializer,
    VisitCreateSerializer,
    VisitSerializer,
)


class VisitFilters(serializers.Serializer):
    household = IdParam()
    region = CodeParam("exact village code")


class PlanFilters(VisitFilters):
    year = YearParam()


def _household(request, pk) -> Household:
    return get_object_or_404(Household.objects.for_user(request.user), pk=pk)


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """帮扶计划 (one per household and year) with their measures; add a measure with ``measures``."""

    model = Plan
    serializer_class = PlanSerializer
    filters = {"year": "year", "household": "household_id", "region": "region_id"}
    filter_serializer = PlanFilters
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("cadre").prefetch_related("measures")

    @extend_schema(request=PlanCreateSerializer, responses=PlanSerializer)
    def create(self, request):
        d = validated(PlanCreateSerializer, request)
        household = _household(request, d["household"])
        return self._answer(
            lambda: plans.plan_create(user=request.user, household=household, year=d["year"], goal=d["goal"]),
            code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=MeasureCreateSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        plan, d = self.get_object(), validated(MeasureCreateSerializer, request)
        unit = d.pop("unit", None)
        if unit is not None:
            d["unit"] = get_object_or_404(HelpingUnit.objects.for_user(request.user), pk=unit)
        return self._answer(lambda: plans.measure_add(user=request.user, plan=plan, **d), plan,
                            code=status.HTTP_201_CREATED)  # fmt: skip


class MeasureViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A measure; record its progress (actual amount, status, dates, responsible party) with ``progress``."""

    model = Measure
    serializer_class = MeasureSerializer

    @extend_schema(request=ProgressSerializer, responses=MeasureSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        measure, d = self.get_object(), validated(ProgressSerializer, request)
        return self._answer(lambda: plans.measure_update(user=request.user, measure=measure, **d), measure)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """走访 records (newest first within the keyset order); create with an optional photo (multipart)."""

    model = Visit
    serializer_class = VisitSerializer
    filters = {"household": "household_id", "region": "region_id"}
    filter_serializer = VisitFilters
    pagination_class = KeysetCursorPagination

    def get_queryset(self):
        return super().get_queryset().select_related("cadre")

    @extend_schema(request=VisitCreateSerializer, responses=VisitSerializer)
    def create(self, request):
        d = validated(VisitCreateSerializer, request)
        household = _household(request, d.pop("household"))
        cadre = get_object_or_404(selectors.cadres_for(household.region_id), pk=d.pop("cadre"))
        return self._answer(
            lambda: plans.visit_record(user=request.user, household=household, cadre=cadre, **d),
            code=status.HTTP_201_CREATED,
        )
