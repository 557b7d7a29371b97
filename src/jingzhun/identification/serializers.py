"""API shapes of identification: records out (with their Chinese labels), step inputs in. The services decide."""

from __future__ import annotations

from dataclasses import asdict

from rest_framework import serializers

from jingzhun.core.api import IdField, MasksPersonalData

from .campaigns import campaign_counts
from .choices import ApplicationKind, CampaignMode, Finding, Procedure, Round, UpheldAction
from .crosscheck import unexplained
from .models import Application, Campaign, CampaignCheck, Objection, Publicity, PublicityEntry, Step
from .selectors import household_verdict


def _label(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


class StepSerializer(serializers.ModelSerializer):
    kind_label = _label("kind")
    stage_after_label = _label("stage_after")
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = [
            "id", "kind", "kind_label", "passed", "stage_before", "stage_after", "stage_after_label", "on", "note",
            "details", "actor_label", "actor_region", "at", "has_attachment",
        ]  # fmt: skip

    def get_has_attachment(self, step) -> bool:
        return bool(step.attachment)


class ApplicationSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    member_count = serializers.IntegerField(source="household.member_count", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind_label = _label("kind")
    stage_label = _label("stage")

    class Meta:
        model = Application
        fields = [
            "id", "household", "household_number", "head_name", "member_count", "region", "region_name", "year",
            "kind", "kind_label", "campaign", "stage", "stage_label", "stage_since", "reason", "created_at",
        ]  # fmt: skip


class ApplicationDetailSerializer(ApplicationSerializer):
    steps = StepSerializer(many=True, read_only=True)
    verdict = serializers.SerializerMethodField(help_text="the rules' reasons on the household's record")
    unexplained_flags = serializers.SerializerMethodField(help_text="四不列 flags still to explain")

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "verdict", "unexplained_flags", "steps"]

    def get_verdict(self, application) -> dict | None:
        verdict = household_verdict(application)
        if verdict is None:
            return None
        return {
            "qualifies": verdict.qualifies,
            "reasons": [{"code": r.code, "message": r.message} for r in verdict.reasons],
        }

    def get_unexplained_flags(self, application) -> int:
        return unexplained(application)


class ApplicationCreateSerializer(serializers.Serializer):
    household = IdField(
        help_text="id of a household in the caller's village (未识别 to include, 在册/返贫 to exit, 已脱贫 to return)"
    )
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    kind = serializers.ChoiceField(
        choices=[c for c in ApplicationKind.choices if c[0] != ApplicationKind.REMOVE],
        required=False, default=ApplicationKind.INCLUDE, help_text="清退 only through 回头看",
    )  # fmt: skip


class ConsentSerializer(serializers.Serializer):
    agreed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)
    attachment = serializers.FileField(
        required=False, allow_null=True, help_text="农户认可书 (PDF/JPG/PNG, multipart)"
    )


class OverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="县级审定理由")


def _attachment(help_text: str) -> serializers.FileField:
    return serializers.FileField(required=False, allow_null=True, help_text=help_text)


class VerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    findings = serializers.CharField(max_length=2000)
    on = serializers.DateField(required=False, allow_null=True, default=None)
    attachment = _attachment("入户核实表 (PDF/JPG/PNG, multipart)")


class DeliberateSerializer(serializers.Serializer):
    meeting_on = serializers.DateField()
    attendance = serializers.IntegerField(min_value=1, max_value=1000)
    votes_for = serializers.IntegerField(min_value=0, max_value=1000)
    votes_against = serializers.IntegerField(min_value=0, max_value=1000)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    minutes = _attachment("会议记录 (multipart)")


class DecisionSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ApprovalSerializer(DecisionSerializer):
    override = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default="", help_text="超规模审批理由"
    )


class EntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="application.kind", read_only=True)
    village = serializers.CharField(
        source="village_year.region_id", read_only=True, help_text="贫困村退出 lists: the village's code"
    )
    attribute_label = _label("attribute")
    main_cause_label = _label("main_cause")

    class Meta:
        model = PublicityEntry
        fields = [
            "id", "application", "kind", "village", "head_name", "member_count", "attribute", "attribute_label",
            "main_cause", "main_cause_label", "withdrawn",
        ]  # fmt: skip


class PublicitySerializer(serializers.ModelSerializer):
    round_label = _label("round")
    title = serializers.CharField(read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = Publicity
        fields = [
            "id", "region", "region_name", "round", "round_label", "procedure", "title", "year", "starts_on",
            "last_day", "closed_on", "entries",
        ]  # fmt: skip


class PublicityCreateSerializer(serializers.Serializer):
    region = serializers.CharField(max_length=12, help_text="the village's 12-digit code")
    round = serializers.ChoiceField(choices=Round.choices)
    procedure = serializers.ChoiceField(
        choices=Procedure.choices, required=False, default=Procedure.IDENTIFICATION
    )
    applications = serializers.ListField(child=IdField(), allow_empty=False, max_length=5000)
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)


class WithdrawSerializer(serializers.Serializer):
    entry = IdField()
    reason = serializers.CharField(max_length=1000)


class ObjectionSerializer(MasksPersonalData, serializers.ModelSerializer):
    source_label = _label("source")
    status_label = _label("status")
    head_name = serializers.CharField(source="entry.head_name", read_only=True)
    publicity = serializers.IntegerField(source="entry.publicity_id", read_only=True)
    application = serializers.IntegerField(source="entry.application_id", read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id", "reference", "region", "publicity", "application", "head_name", "source", "source_label", "name",
            "contact", "text", "status", "status_label", "action", "resolution", "created_at", "resolved_at",
        ]  # fmt: skip


class ObjectionCreateSerializer(serializers.Serializer):
    entry = IdField(help_text="the household's entry on a running 公示")
    text = serializers.CharField(max_length=2000)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    contact = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")


class ResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)
    action = serializers.ChoiceField(
        choices=UpheldAction.choices, required=False, default=UpheldAction.REVERIFY
    )


class CampaignSerializer(serializers.ModelSerializer):
    mode_label = _label("mode")
    counts = serializers.SerializerMethodField(help_text="findings and what the procedure made of them")

    class Meta:
        model = Campaign
        fields = [
            "id", "county", "title", "year", "mode", "mode_label", "sample_percent", "seed", "households",
            "population", "opened_on", "closed_on", "counts",
        ]  # fmt: skip

    def get_counts(self, campaign) -> dict:
        totals = self.context.get("totals")  # a list page computes all its campaigns' totals at once
        return asdict(totals[campaign.pk] if totals else campaign_counts(campaign)[0])


class CampaignCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    mode = serializers.ChoiceField(choices=CampaignMode.choices)
    sample_percent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**31 - 1)


class CheckSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    finding_label = _label("finding")

    class Meta:
        model = CampaignCheck
        fields = [
            "id", "campaign", "household", "household_number", "head_name", "region", "status_then", "finding",
            "finding_label", "note", "checked_on", "application",
        ]  # fmt: skip


class CheckRecordSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=[c for c in Finding.choices if c[0] != Finding.PENDING])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)
