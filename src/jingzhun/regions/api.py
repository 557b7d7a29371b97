"""Read-only API of the region tree, limited to the caller's subtree."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jingzhun.registry.selectors import child_counts

from .models import Region
from .serializers import RegionCountSerializer, RegionSerializer


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="12-digit code: its direct children"),
            OpenApiParameter("level", int, description="1 province … 5 village"),
            OpenApiParameter("q", str, description="name contains"),
            OpenApiParameter("after", str),
            OpenApiParameter("before", str),
            OpenApiParameter("page_size", int),
        ]
    )
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"

    def get_queryset(self):
        qs = Region.objects.for_user(self.request.user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        errors = {}
        if parent := params.get("parent"):
            if not (parent.isdigit() and len(parent) == 12):
                errors["parent"] = [_("上级区划代码应为 12 位数字。")]
            qs = qs.filter(parent_id=parent)
        if level := params.get("level"):
            if level not in {"1", "2", "3", "4", "5"}:
                errors["level"] = [_("级别应为 1–5 的整数。")]
            else:
                qs = qs.filter(level=int(level))
        if q := params.get("q"):
            qs = qs.filter(name__contains=q.strip())
        if errors:
            raise ValidationError(errors)
        return qs

    @extend_schema(responses=RegionCountSerializer(many=True))
    @action(detail=True)
    def counts(self, request, code=None):
        """Children of this region with registered household and person counts."""
        region = self.get_object()
        return Response(RegionCountSerializer(child_counts(user=request.user, region=region), many=True).data)
