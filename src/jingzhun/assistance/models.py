"""Assistance (精准帮扶): the forces (helping units, cadres, work teams, social helpers), who helps which village and
which household (pairings, kept with their history), the policy data of capacities, and matching proposals."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.ids import validate_phone
from jingzhun.core.scoping import ScopedModel, SharedDownQuerySet
from jingzhun.core.uploads import photo_type, upload_size

from .choices import (
    HelperKind,
    MeasureCategory,
    MeasureStatus,
    PairingForm,
    Skill,
    SupportKind,
    TeamRole,
    UnitLevel,
    UnitType,
)


def _created_by():
    """Who made the record (empty: the system, e.g. a command)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )


class AssistancePolicy(ScopedModel):
    """Policy data of assistance for a province (or national when ``province`` is empty), in force from
    ``year`` until a later row: how many households one cadre may be responsible for (default 5), how often each
    household must be visited, and the equity thresholds. Found by ``core.policy.in_force``."""

    DEFAULT_CAPACITY = 5
    DEFAULT_VISIT_DAYS = 30
    FIRST_YEAR = 2014  # rows from before policy was dated apply from the first year of 建档立卡

    year = models.PositiveSmallIntegerField(
        _("起始年度"), default=FIRST_YEAR, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    province = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("省份"), limit_choices_to={"level": 1},
    )  # fmt: skip
    cadre_capacity = models.PositiveSmallIntegerField(
        _("每名帮扶责任人最多帮扶户数"), default=DEFAULT_CAPACITY,
        validators=[MinValueValidator(1, _("至少 1 户。")), MaxValueValidator(50, _("不超过 50 户。"))],
    )  # fmt: skip
    visit_days = models.PositiveSmallIntegerField(
        _("走访间隔（天）"), default=DEFAULT_VISIT_DAYS,
        validators=[MinValueValidator(1, _("至少 1 天。")), MaxValueValidator(366, _("不超过 366 天。"))],
    )  # fmt: skip
    # Matching: what a change of a household's cadre must gain before a re-match proposes it (continuity of the
    # relationship is worth something: the policy wants 结对 stable, 帮扶责任人 not rotated for a tie)
    rematch_margin = models.PositiveSmallIntegerField(
        _("调整结对的最小改进（成本单位）"), default=30,
        help_text=_("重新匹配时，只有在该户的匹配成本至少降低这么多时才建议更换帮扶责任人（30 = 跨乡镇的成本）。"),
        validators=[MaxValueValidator(10_000, _("不超过 10000。"))],
    )  # fmt: skip
    # Equity of resources: a village above ``concentration_multiple`` × the county median per person is
    # over-concentrated; one below ``floor_ratio`` × the median is under-supplied.
    concentration_multiple = models.DecimalField(
        _("过度集中倍数（县中位数的倍数）"), max_digits=4, decimal_places=1, default=Decimal("3.0"),
        validators=[MinValueValidator(Decimal("1.0"), _("倍数至少为 1。"))],
    )  # fmt: skip
    floor_ratio = models.DecimalField(
        _("投入不足下限（县中位数的比例）"), max_digits=3, decimal_places=2, default=Decimal("0.30"),
        validators=[MinValueValidator(0), MaxValueValidator(1, _("比例不超过 1。"))],
    )  # fmt: skip

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("帮扶政策参数")
        verbose_name_plural = _("帮扶政策参数")
        constraints = [
            models.UniqueConstraint(fields=["year", "province"], name="assistancepolicy_one_per_year"),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(province__isnull=True),
                name="assistancepolicy_one_national_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.cadre_capacity}"


class HelpingUnit(ScopedModel):
    """帮扶单位: an agency, institution, enterprise or organisation that helps villages and sends cadres. It is
    registered by the region that manages it (empty: a central unit) and read by the regions below."""

    name = models.CharField(_("单位名称"), max_length=100)
    unit_type = models.CharField(_("单位类型"), max_length=16, choices=UnitType.choices)
    level = models.PositiveSmallIntegerField(_("单位层级"), choices=UnitLevel.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("所属区划"),
    )  # fmt: skip
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    active = models.BooleanField(_("在帮"), default=True)

    objects = SharedDownQuerySet.as_manager()
    scope_lookup = "region__code"
    keyset_fields = ("level", "id")  # the region may be empty (a central unit): not a keyset column

    class Meta:
        verbose_name = _("帮扶单位")
        verbose_name_plural = _("帮扶单位")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="helpingunit_name_per_region")]

    def __str__(self) -> str:
        return self.name


class Cadre(ScopedModel):
    """帮扶责任人: a person of a helping unit responsible for households, based in a township or village of the
    county where they help. ``capacity`` overrides the policy's maximum for this person."""

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, related_name="cadres", verbose_name=_("单位")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("驻地（乡镇或村）")
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    skills = models.JSONField(_("专长"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("最多帮扶户数"), null=True, blank=True, help_text=_("留空按政策参数"),
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )  # fmt: skip
    active = models.BooleanField(_("在岗"), default=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        indexes = [models.Index(fields=["region", "active"], name="cadre_region_active")]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    def skill_labels(self) -> str:
        return "、".join(str(Skill(s).label) for s in self.skills if s in Skill.values)


class SocialHelper(ScopedModel):
    """社会力量: an enterprise, organisation or person who joins household pairings as a second or third helper."""

    kind = models.CharField(_("类别"), max_length=16, choices=HelperKind.choices)
    name = models.CharField(_("名称或姓名"), max_length=100)
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记区划")
    )

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("社会帮扶力量")
        verbose_name_plural = _("社会帮扶力量")

    def __str__(self) -> str:
        return self.name


class VillagePairing(ScopedModel):
    """A helping unit paired with a poor village (定点/对口/结对帮扶) for a period."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, related_name="villages", verbose_name=_("帮扶单位")
    )
    form = models.CharField(
        _("帮扶形式"), max_length=16, choices=PairingForm.choices, default=PairingForm.FIXED
    )
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_lookup = "village__code"

    class Meta:
        verbose_name = _("单位帮村")
        verbose_name_plural = _("单位帮村")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "unit"],
                condition=Q(ended_on__isnull=True),
                name="villagepairing_once_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village}"

    def audit_scope(self) -> tuple[str, str]:
        return f"regions.region:{self.village_id}", self.village_id


class WorkTeam(ScopedModel):
    """驻村工作队 of a village, sent by a unit; members with their roles and tenures are ``TeamMember`` rows."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, related_name="teams", verbose_name=_("派出单位")
    )
    started_on = models.DateField(_("进驻日期"), default=timezone.localdate)
    ended_on = models.DateField(_("撤离日期"), null=True, blank=True)

    scope_lookup = "village__code"
    keyset_fields = ("village_id", "id")  # the 精准帮扶 assessment pages through a province's teams

    class Meta:
        verbose_name = _("驻村工作队")
        verbose_name_plural = _("驻村工作队")
        constraints = [
            models.UniqueConstraint(
                fields=["village"], condition=Q(ended_on__isnull=True), name="workteam_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.unit}"

    def audit_scope(self) -> tuple[str, str]:
        return f"regions.region:{self.village_id}", self.village_id


class TeamMember(ScopedModel):
    """One cadre on a work team, with role (第一书记, 队长, 队员) and tenure."""

    team = models.ForeignKey(WorkTeam, on_delete=models.PROTECT, related_name="members")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="+", verbose_name=_("队员"))
    role = models.CharField(_("职务"), max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    started_on = models.DateField(_("任职开始"), default=timezone.localdate)
    ended_on = models.DateField(_("任职结束"), null=True, blank=True)

    scope_lookup = "team__village__code"

    class Meta:
        verbose_name = _("工作队队员")
        verbose_name_plural = _("工作队队员")
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(ended_on__isnull=True, role="first_secretary"),
                name="teammember_one_first_secretary",
                violation_error_message=_("该工作队已有在任第一书记。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.team_id} {self.cadre_id} {self.role}"

    def audit_scope(self) -> tuple[str, str]:
        return f"regions.region:{self.team.village_id}", self.team.village_id


class HouseholdPairing(ScopedModel):
    """帮扶责任人 ↔ household for a period. At most one open pairing per household (the partial constraint);
    a reassignment ends the old one with a reason and opens a new one, so the history stays."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="pairings", verbose_name=_("帮扶户")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("帮扶责任人")
    )
    helpers = models.ManyToManyField(
        SocialHelper, blank=True, related_name="pairings", verbose_name=_("社会帮扶力量")
    )
    started_on = models.DateField(_("开始日期"), default=timezone.localdate)
    reason = models.CharField(_("结对原因"), max_length=200, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("调整原因"), max_length=200, blank=True)
    created_by = _created_by()

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        indexes = [models.Index(fields=["cadre", "ended_on"], name="pairing_cadre_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(ended_on__isnull=True), name="pairing_one_open_per_household",
                violation_error_message=_("该户已有帮扶责任人。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.cadre_id} → {self.household_id}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id


class MatchingProposal(ScopedModel):
    """A needs-first matching proposal for a county: the changes it suggests (``ProposalRow``) and the quality of
    the pairings before and after (``summary``). The county accepts all or part of it."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    keep_existing = models.BooleanField(_("保留现有结对"), default=True)
    summary = models.JSONField(_("匹配概况"), default=dict)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("生成人"),
    )
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("需求匹配方案")
        verbose_name_plural = _("需求匹配方案")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.created_at:%Y-%m-%d %H:%M}"


class ProposalRow(ScopedModel):
    """One suggested change: ``household`` to ``cadre`` (from ``previous``, empty for a household without one)."""

    proposal = models.ForeignKey(MatchingProposal, on_delete=models.CASCADE, related_name="rows")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(Cadre, on_delete=models.CASCADE, null=True, related_name="+")
    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="+")
    fits = models.BooleanField(_("对症"), default=False)
    local = models.BooleanField(_("同乡镇"), default=False)
    # what the change gains for this household in cost units (fit and travel; a household without a cadre
    # gains the cost of going without one)
    gain = models.IntegerField(_("改进（成本单位）"), default=0)
    accepted = models.BooleanField(_("已采纳"), default=False)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("匹配调整")
        verbose_name_plural = _("匹配调整")

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.household_id} → {self.cadre_id}"


def _money(label, **kwargs):
    return models.DecimalField(
        label, max_digits=12, decimal_places=2,
        validators=[MinValueValidator(0, _("金额不能为负数。"))], **kwargs,
    )  # fmt: skip


def _year():
    return models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2013, _("年度不早于 2013 年。")), MaxValueValidator(2100)]
    )


class Plan(ScopedModel):
    """一户一策: the household's assistance plan for one year, made by (or with) its responsible cadre after its
    needs are known. Its measures are ``Measure`` rows."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="plans", verbose_name=_("帮扶户")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    year = _year()
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="plans", verbose_name=_("帮扶责任人")
    )
    goal = models.CharField(_("脱贫目标"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("制定时间"), default=timezone.now)
    created_by = _created_by()

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="plan_one_per_household_year",
                violation_error_message=_("该户本年度已有帮扶计划。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id


class Measure(ScopedModel):
    """One measure of a plan (帮扶措施): a catalogue item with planned and actual amount (元), the party responsible,
    dates and status. Village and year are copied from the plan so the equity of resources per village is one
    grouped query."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="measures", verbose_name=_("帮扶计划")
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = _year()
    category = models.CharField(_("措施类别"), max_length=20, choices=MeasureCategory.choices)
    item = models.CharField(_("措施"), max_length=30, blank=True)
    content = models.CharField(_("措施内容"), max_length=200)
    planned_amount = _money(_("计划金额（元）"), default=0)
    actual_amount = _money(_("实际金额（元）"), null=True, blank=True)
    responsible = models.CharField(_("责任单位或责任人"), max_length=100)
    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="measures",
        verbose_name=_("出资或实施单位"),
    )  # fmt: skip
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        indexes = [models.Index(fields=["region", "year"], name="measure_village_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0) & (Q(actual_amount__isnull=True) | Q(actual_amount__gte=0)),
                name="measure_amounts_not_negative", violation_error_message=_("金额不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="measure_dates_in_order", violation_error_message=_("完成日期不能早于开始日期。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.plan_id} {self.category} {self.content}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.plan.household_id}", self.region_id


class Visit(ScopedModel):
    """走访: a cadre's visit to a household, with what was done and optionally a photo (served only through a
    scoped view). The compliance list compares each household's last visit with the policy interval."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="visits", verbose_name=_("帮扶户")
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访人")
    )
    visited_on = models.DateField(_("走访日期"))
    content = models.TextField(_("走访内容"), max_length=1000)
    photo = models.FileField(
        _("照片"), upload_to="visits/%Y/%m/", blank=True, validators=[photo_type, upload_size]
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    created_by = _created_by()

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [models.Index(fields=["household", "-visited_on"], name="visit_household_last")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id


class VillageSupport(ScopedModel):
    """Resources a village receives as a whole (funds, goods, projects) from a helping unit or another source,
    beside its households' measures: both count in the equity of resources per registered person."""

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    year = _year()
    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="supports",
        verbose_name=_("帮扶单位"), help_text=_("留空为财政或其他来源"),
    )  # fmt: skip
    source = models.CharField(_("来源说明"), max_length=100, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=SupportKind.choices, default=SupportKind.FUNDS)
    amount = _money(_("金额或折价（元）"))
    description = models.CharField(_("用途"), max_length=200)
    received_on = models.DateField(_("到位日期"), default=timezone.localdate)
    created_by = _created_by()

    scope_lookup = "village__code"

    class Meta:
        verbose_name = _("帮扶投入")
        verbose_name_plural = _("帮扶投入")
        indexes = [models.Index(fields=["village", "year"], name="support_village_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="support_amount_not_negative",
                violation_error_message=_("金额不能为负数。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.amount}"

    def audit_scope(self) -> tuple[str, str]:
        return f"regions.region:{self.village_id}", self.village_id
