"""Read-only API of the region tree, limited to the caller's subtree."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jingzhun.core.api import CodeParam, query_params
from jingzhun.core.panels import provided

from .models import Region
from .serializers import RegionCountSerializer, RegionSerializer


class RegionFilters(serializers.Serializer):
    parent = CodeParam("12-digit code: its direct children")
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=5, help_text="1 province … 5 village"
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="name contains")


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{12}"
    filter_serializer = RegionFilters

    def get_queryset(self):
        qs = Region.objects.for_user(self.request.user)
        if self.action != "list":
            return qs
        params = query_params(RegionFilters, self.request)
        if "parent" in params:
            qs = qs.filter(parent_id=params["parent"])
        if "level" in params:
            qs = qs.filter(level=params["level"])
        if q := params.get("q", "").strip():
            qs = qs.filter(name__contains=q)
        return qs

    @extend_schema(responses=RegionCountSerializer(many=True))
    @action(detail=True, pagination_class=None)
    def counts(self, request, code=None):
        """Children of this region with registered household and person counts."""
        region = self.get_object()
        return Response(
            RegionCountSerializer(
                provided("region.children")(user=request.user, region=region), many=True
            ).data
        )
