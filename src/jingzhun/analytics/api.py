"""Analytics API: a region's rolled-up figures with its children's, for dashboards built elsewhere and for
load tests. Served from the stored rollups; scope as on the pages (404 outside it)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import definitions, selectors


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))
    causes = serializers.DictField(child=serializers.IntegerField(), required=False)
    attributes = serializers.DictField(child=serializers.IntegerField(), required=False)


class ReductionPlanSerializer(serializers.Serializer):
    """The year's 减贫计划 of the region and its progress (targets null where none was handed down)."""

    target_persons = serializers.IntegerField(allow_null=True)
    target_villages = serializers.IntegerField(allow_null=True)
    exited_persons = serializers.IntegerField()
    returned_persons = serializers.IntegerField()
    net_persons = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    exited_villages = serializers.IntegerField()
    village_rate = serializers.FloatField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField())
    region = PlaceSerializer()
    children = PlaceSerializer(many=True)
    plan = ReductionPlanSerializer()
    computed_at = serializers.DateTimeField()


def _plan(p) -> dict:
    t = p.target
    return {
        "target_persons": t.persons if t else None, "target_villages": t.villages if t else None,
        "exited_persons": int(p.exited_persons), "returned_persons": int(p.returned_persons), "net_persons": int(p.net),
        "rate": _float(p.rate), "exited_villages": int(p.exited_villages), "village_rate": _float(p.village_rate),
    }  # fmt: skip


def _float(value) -> float | None:
    return None if value is None else float(value)


def _place(place, *, detail=False) -> dict:
    """A place as ``PlaceSerializer`` writes it (its fields' own conversions: str, int, float or null), built
    directly: the serializer's per-field calls cost a national request (31 children × 24 values) more than its
    queries (issue 24); ``FiguresSerializer`` still describes the answer in the schema."""
    data = {
        "code": str(place.code), "name": str(place.name), "level": int(place.level),
        "values": {str(k): _float(v) for k, v in place.values.items()},
    }  # fmt: skip
    if detail:
        data["causes"] = {v: int(n) for v, _label, n in definitions.causes(place.parts)}
        data["attributes"] = {v: int(n) for v, _label, n in definitions.attributes(place.parts)}
    return data


class FiguresView(APIView):
    """Indicators of a region (default: the user's own) and of its children for a year (default: latest)."""

    @extend_schema(
        parameters=[OpenApiParameter("region", str), OpenApiParameter("year", int)],
        responses=FiguresSerializer,
    )
    def get(self, request):
        code = request.query_params.get("region") or None
        year = request.query_params.get("year") or None
        errors = {}
        if code is not None and not (code.isascii() and code.isdigit() and len(code) <= 12):
            errors["region"] = [_("区划代码应为不超过 12 位的数字。")]
        if year is not None and not (year.isascii() and year.isdigit() and len(year) == 4):
            errors["year"] = [_("年度应为整数。")]
        if errors:
            raise ValidationError(errors)
        d = selectors.dashboard(user=request.user, code=code and code.ljust(12, "0"), year=year and int(year))
        if d is None:
            raise NotFound(_("还没有汇总数据。"))
        return Response(
            {
                "year": int(d.year),
                "years": [int(y) for y in d.years],
                "region": _place(d.place, detail=True),
                "children": [_place(c) for c in d.children],
                "plan": _plan(d.plan),
                "computed_at": serializers.DateTimeField().to_representation(d.computed_at),
            }
        )
