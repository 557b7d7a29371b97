"""Input and output shapes of the assistance API. Inputs only shape; the services decide and explain."""

from rest_framework import serializers

from jingzhun.core.api import IdField

from .choices import MeasureCategory, MeasureStatus
from .models import Measure, Plan, Visit


class MeasureSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id", "plan", "category", "category_label", "item", "content", "planned_amount", "actual_amount",
            "responsible", "unit", "starts_on", "ends_on", "status", "status_label",
        ]  # fmt: skip
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    measures = MeasureSerializer(many=True, read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "household",
            "region",
            "year",
            "cadre",
            "cadre_name",
            "goal",
            "created_at",
            "measures",
        ]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    household = IdField()
    year = serializers.IntegerField(min_value=2013, max_value=2100)
    goal = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class MeasureCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=MeasureCategory.choices)
    item = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    content = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    planned_amount = serializers.DecimalField(max_digits=12, decimal_places=2, default=0)
    actual_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    responsible = serializers.CharField(max_length=100)
    unit = IdField(required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MeasureStatus.choices, required=False)
    actual_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    responsible = serializers.CharField(max_length=100, required=False)


class VisitSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["id", "household", "region", "cadre", "cadre_name", "visited_on", "content", "has_photo"]
        read_only_fields = fields

    def get_has_photo(self, visit) -> bool:
        return bool(visit.photo)


class VisitCreateSerializer(serializers.Serializer):
    household = IdField()
    cadre = IdField()
    visited_on = serializers.DateField()
    content = serializers.CharField(max_length=1000)
    photo = serializers.FileField(required=False, help_text="JPG 或 PNG，不超过 10 MB")
