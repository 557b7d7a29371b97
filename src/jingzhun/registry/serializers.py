"""API input/output shapes for households, using the canonical keys of DOMAIN.md §2 (``income.*`` etc.)."""

from rest_framework import serializers

from jingzhun.core.api import MasksPersonalData

from .choices import Cause, Health
from .models import Household, HouseholdYear, Member


class MemberSerializer(MasksPersonalData, serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False, help_text="Existing member's id (on update); omit for a new one"
    )
    id_number = serializers.CharField(max_length=18, help_text="公民身份号码 (18 digits; masked on read)")
    disability_certificate = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="残疾证号 (masked on read)"
    )
    birth_date = serializers.CharField(
        read_only=True, help_text="YYYY-MM-DD from the ID number; YYYY-**-** when masked"
    )
    health = serializers.ChoiceField(
        choices=Health.choices,
        required=False,
        allow_null=True,
        help_text="健康状况 (null on read when masked)",
    )

    class Meta:
        model = Member
        fields = [
            "id", "name", "id_number", "disability_certificate", "sex", "birth_date", "relationship", "ethnicity",
            "education", "schooling", "health", "labour", "work_status", "months_worked", "medical_insurance",
            "serious_illness_insurance", "pension_insurance", "dibao", "is_active",
        ]  # fmt: skip
        read_only_fields = ["sex", "birth_date", "is_active"]
        validators = []  # uniqueness is the service's rule, with a message naming the other household

    def validate_health(self, value):
        if value is None:
            raise serializers.ValidationError("请选择健康状况（null 只出现在脱敏的读取结果中）。")
        return value


class IncomeSerializer(serializers.ModelSerializer):
    property = serializers.DecimalField(
        source="property_income", max_digits=12, decimal_places=2, min_value=0, required=False,
        help_text="财产性收入",
    )  # fmt: skip
    net = serializers.DecimalField(source="net_income", max_digits=14, decimal_places=2, read_only=True)
    transfer = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    per_capita_net = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = HouseholdYear
        fields = [
            "wage", "business", "property", "property_dividend", "transfer_family_planning", "transfer_dibao",
            "transfer_wubao", "transfer_pension", "transfer_eco", "transfer_other", "transfer", "business_expense",
            "net", "per_capita_net",
        ]  # fmt: skip


LAND_KEYS = {"cultivated": "land_cultivated", "forest": "land_forest", "returned_farmland": "land_returned",
             "fruit": "land_fruit", "pasture": "land_pasture", "water_surface": "land_water"}  # fmt: skip


class LandSerializer(serializers.Serializer):
    """土地 (亩)."""

    def get_fields(self):
        return {
            key: serializers.DecimalField(
                source=attr, max_digits=10, decimal_places=2, min_value=0, required=False
            )
            for key, attr in LAND_KEYS.items()
        }


class LivingSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdYear
        fields = [
            "power_production", "power_domestic", "broadcast_tv", "water_safe", "water_difficult",
            "road_distance_km", "road_type", "housing_area", "house_grade", "dangerous_house", "sanitary_toilet",
            "main_fuel", "cooperative", "leading_enterprise", "entrepreneur_leader",
        ]  # fmt: skip
        read_only_fields = ["dangerous_house"]

    dangerous_house = serializers.BooleanField(read_only=True)


class HouseholdYearSerializer(serializers.ModelSerializer):
    household_size = serializers.IntegerField(min_value=1, required=False, help_text="默认为在户成员数")
    income = IncomeSerializer(source="*", required=False)
    land = LandSerializer(source="*", required=False)
    living = LivingSerializer(source="*", required=False)

    class Meta:
        model = HouseholdYear
        fields = ["year", "household_size", "income", "land", "living"]
        validators = []


class HouseholdSerializer(MasksPersonalData, serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", max_length=12, help_text="12-digit village code")
    region_name = serializers.CharField(source="region.name", read_only=True)
    other_causes = serializers.ListField(child=serializers.ChoiceField(choices=Cause.choices), required=False)
    members = MemberSerializer(many=True, required=False)
    years = HouseholdYearSerializer(many=True, required=False)

    class Meta:
        model = Household
        fields = [
            "id", "number", "region", "region_name", "status", "identification_standard", "attribute",
            "main_cause", "other_causes", "identified_year", "exit_year", "phone", "head_name", "member_count", "members",
            "years", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["number", "head_name", "member_count", "created_at", "updated_at"]

    def service_input(self) -> dict:
        """The validated data in the shape ``services`` take."""
        data = dict(self.validated_data)
        members = data.pop("members", None)
        years = data.pop("years", None)
        if "region_id" in data:
            data["region"] = data.pop("region_id")
        return {"data": data, "members": members, "years": years}


class HouseholdListSerializer(HouseholdSerializer):
    """List rows: the household without its members and years."""

    class Meta(HouseholdSerializer.Meta):
        fields = [f for f in HouseholdSerializer.Meta.fields if f not in {"members", "years"}]
