"""建档立卡 records: the household (户), its members (人) and its yearly record (income, land, living conditions).

Sized for 30 million households and 90 million persons on PostgreSQL: households are read by region subtree in
(region, id) order, so a scoped, filtered page is an index range scan (see ``core.pagination``).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.crypto import EncryptedTextField
from jingzhun.core.ids import validate_bank_account, validate_phone
from jingzhun.core.scoping import ScopedModel, ScopedQuerySet

from .choices import (
    DANGEROUS_GRADES,
    MEMBER_CHANGE_GROUPS,
    Attribute,
    Cause,
    Education,
    Ethnicity,
    ExitPolicy,
    Fuel,
    Health,
    HouseGrade,
    HouseholdStatus,
    IdentificationStandard,
    Labour,
    MemberChangeKind,
    MonitoringKind,
    PolicyPeriodKind,
    PoliticalStatus,
    Relationship,
    RiskType,
    RoadType,
    Schooling,
    Sex,
    SplitReviewStatus,
    Stated,
    TransferStatus,
    WorkStatus,
)

NON_NEGATIVE = [MinValueValidator(Decimal("0"), message=_("金额不能为负数。"))]


def money(label):
    return models.DecimalField(
        label, max_digits=12, decimal_places=2, default=Decimal("0"), validators=NON_NEGATIVE
    )


TRANSFER_FIELDS = (
    "transfer_family_planning", "transfer_dibao", "transfer_wubao", "transfer_pension", "transfer_eco",
    "transfer_other",
)  # fmt: skip


def transfer_sum():
    """转移性收入 = the sum of its six kinds."""
    return sum((F(name) for name in TRANSFER_FIELDS[1:]), F(TRANSFER_FIELDS[0]))


def net_income_sum():
    """纯收入 = wage + business + property + transfer − business expense (DOMAIN.md §2)."""
    return F("wage") + F("business") + F("property_income") + transfer_sum() - F("business_expense")


class MoneyQuotient(Func):
    """A money amount divided by a count, to the cent, on every engine.

    SQLite keeps a whole-yuan decimal as an INTEGER and divides two integers as integers (10,000 ÷ 3 persons is
    3,333 there), so on SQLite the amount is divided as REAL and rounded to the cent like PostgreSQL's
    numeric(…, 2) column does; PostgreSQL's numeric division is exact and left as it is.
    """

    arg_joiner = " / "
    template = "(%(expressions)s)"
    arity = 2

    def as_sqlite(self, compiler, connection, **extra_context):
        amount, count = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"ROUND(CAST({amount[0]} AS REAL) / {count[0]}, 2)"
        return sql, (*amount[1], *count[1])


def area(label):
    return models.DecimalField(
        label, max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), message=_("面积不能为负数。"))],
    )  # fmt: skip


class Household(ScopedModel):
    """A household's card (户有卡): identity in the registry, classification and causes of poverty.

    ``head_name`` and ``member_count`` are kept by the services from the active members so that lists at
    national scale need no join; ``number`` (户编号) is the village code followed by a 5-digit sequence.
    """

    number = models.CharField(_("户编号"), max_length=20, unique=True, editable=False)
    # No index of its own: household_region_id (region, id) serves every lookup by region, and one index
    # less is one less to keep up on each of 30 million inserts.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", verbose_name=_("所在村"),
        db_index=False,
    )  # fmt: skip
    # Written by procedures only (``registry.status``): a household entered on a form starts 未识别.
    status = models.CharField(
        _("状态"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.UNIDENTIFIED
    )
    identification_standard = models.CharField(
        _("识别标准"),
        max_length=16,
        choices=IdentificationStandard.choices,
        default=IdentificationStandard.NATIONAL,
    )
    attribute = models.CharField(_("贫困户属性"), max_length=16, choices=Attribute.choices)
    main_cause = models.CharField(_("主要致贫原因"), max_length=20, choices=Cause.choices)
    other_causes = models.JSONField(_("其他致贫原因"), default=list, blank=True)
    identified_year = models.PositiveSmallIntegerField(
        _("识别年度"), null=True, blank=True,
        validators=[MinValueValidator(2000, _("年度不早于 2000 年。")), MaxValueValidator(2100)],
    )  # fmt: skip
    exit_year = models.PositiveSmallIntegerField(
        _("脱贫年度"), null=True, blank=True,
        validators=[MinValueValidator(2000, _("年度不早于 2000 年。")), MaxValueValidator(2100)],
    )  # fmt: skip
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    # The national files give the village committee's office phone on every household row: kept as given on the
    # household (so that they export as they came), not on the village.
    village_office_phone = models.CharField(
        _("村办公电话"), max_length=20, blank=True, validators=[validate_phone]
    )
    # The national system's 户编号 (an external identifier, kept so that its files re-import and export).
    national_number = models.CharField(_("国家系统户编号"), max_length=30, blank=True, db_index=True)
    exit_policy = models.CharField(_("脱贫后政策享受"), max_length=8, choices=ExitPolicy.choices, blank=True)
    # 一卡通: where subsidies are paid. The number is encrypted at rest (core.crypto), its keyed digest kept
    # beside it for set-based comparison (the same account on two households); set by
    # ``services.household_bank_account_set`` only, masked outside finance roles (core.masking BANK).
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), blank=True, validators=[validate_bank_account])
    bank_account_digest = models.CharField(_("银行账号摘要"), max_length=64, blank=True, editable=False)
    head_name = models.CharField(_("户主姓名"), max_length=50, editable=False, default="")
    member_count = models.PositiveSmallIntegerField(_("家庭人口数"), editable=False, default=0)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")
    audit_exclude = ("updated_at", "bank_account", "bank_account_digest")  # audited masked, by its service
    list_field_choices = {"other_causes": Cause.choices}

    class Meta:
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        indexes = [
            models.Index(fields=["region", "id"], name="household_region_id"),
            models.Index(fields=["status", "region", "id"], name="household_status_region_id"),
            models.Index(
                fields=["bank_account_digest"],
                name="household_bank_digest",
                condition=~Q(bank_account_digest=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["national_number"],
                condition=~Q(national_number=""),
                name="household_national_number_unique",
                violation_error_message=_("该国家系统户编号已被另一户使用。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.pk}", self.region_id


class HouseholdPart(ScopedModel):
    """A record that belongs to a household: scoped and audited under it."""

    scope_lookup = "household__region__code"

    class Meta:
        abstract = True

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.household.region_id


class Member(HouseholdPart):
    """A person in a household (家庭成员). Sex and birth date come from the ID number, never typed.

    One ID number may be active in only one household in the whole country (partial unique index).
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("户")
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    disability_certificate = models.CharField(_("残疾证号"), max_length=20, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    relationship = models.CharField(_("与户主关系"), max_length=20, choices=Relationship.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=Ethnicity.choices, default="01")
    # blank: the national files leave 文化程度 empty for a pupil (在校生状况 says it); our own forms require it.
    education = models.CharField(_("文化程度"), max_length=20, choices=Education.choices, blank=True)
    schooling = models.CharField(
        _("在校生状况"), max_length=12, choices=Schooling.choices, default=Schooling.NONE
    )
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, default=Health.HEALTHY)
    labour = models.CharField(_("劳动技能"), max_length=10, choices=Labour.choices)
    work_status = models.CharField(
        _("务工状况"), max_length=16, choices=WorkStatus.choices, default=WorkStatus.NONE
    )
    months_worked = models.PositiveSmallIntegerField(
        _("务工时间（月）"), default=0, validators=[MaxValueValidator(12, _("务工时间不超过 12 个月。"))]
    )
    medical_insurance = models.BooleanField(_("参加新农合/基本医疗保险"), default=False)
    serious_illness_insurance = models.BooleanField(_("参加大病保险"), default=False)
    pension_insurance = models.BooleanField(_("参加城乡居民基本养老保险"), default=False)
    dibao = models.BooleanField(_("低保人口"), default=False)
    # Fields of the national member file (issue 23).
    national_number = models.CharField(_("国家系统人口编号"), max_length=30, blank=True, db_index=True)
    phone = models.CharField(_("成员联系电话"), max_length=20, blank=True, validators=[validate_phone])
    political_status = models.CharField(
        _("政治面貌"), max_length=12, choices=PoliticalStatus.choices, blank=True
    )
    work_place = models.CharField(_("务工所在地"), max_length=100, blank=True)
    employer = models.CharField(_("务工企业名称"), max_length=100, blank=True)
    employee_medical_insurance = models.BooleanField(_("参加城镇职工基本医疗保险"), default=False)
    employee_pension_insurance = models.BooleanField(_("参加城镇职工基本养老保险"), default=False)
    extreme_poverty_support = models.BooleanField(_("特困供养人员"), default=False)
    # More columns of the national member file, kept as the file gives them (no code list is published for the
    # text ones: ../shared/national-layouts.md), so that its files round-trip.
    dropout_reason = models.CharField(_("失学或辍学原因"), max_length=40, blank=True)
    speaks_mandarin = models.BooleanField(_("会讲普通话"), default=False)
    commercial_medical_insurance = models.BooleanField(_("参加商业补充医疗保险"), default=False)
    working_abroad = models.BooleanField(_("国外务工"), default=False)
    industry = models.CharField(_("产业分类"), max_length=40, blank=True)
    serious_illness_aid = models.BooleanField(_("接受大病医疗救助"), default=False)
    other_health_aid = models.BooleanField(_("接受其他健康扶贫"), default=False)
    public_post = models.CharField(_("公益性岗位类型"), max_length=40, blank=True)
    public_post_months = models.PositiveSmallIntegerField(
        _("公益性岗位（月数）"),
        default=0,
        validators=[MaxValueValidator(12, _("公益性岗位月数不超过 12 个月。"))],
    )
    employment_channel = models.CharField(_("就业渠道"), max_length=40, blank=True)
    disability_category = models.CharField(_("残疾类别"), max_length=20, blank=True)
    disability_certificate_year = models.PositiveSmallIntegerField(
        _("残疾证办证年度"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1950), MaxValueValidator(2100)],
    )
    is_active = models.BooleanField(_("在户"), default=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(is_active=True),
                name="member_one_active_household",
                violation_error_message=_("该身份证号已在另一户中登记。"),
            ),
            models.UniqueConstraint(
                fields=["national_number"],
                condition=Q(is_active=True) & ~Q(national_number=""),
                name="member_national_number_unique",
                violation_error_message=_("该人口编号已在另一条成员记录中使用。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdYear(HouseholdPart):
    """The yearly part of the form: income (收入), land (土地) and living conditions (生产生活条件).

    纯收入 = wage + business + property + transfer − business_expense; 人均纯收入 = 纯收入 ÷ 家庭人口数.
    Both are generated columns: computed by the database on every write, never typed.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="years", verbose_name=_("户"), db_index=False
    )  # householdyear_one_per_year (household, year) serves lookups by household
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000, _("年度不早于 2000 年。")), MaxValueValidator(2100)]
    )
    household_size = models.PositiveSmallIntegerField(
        _("家庭人口数"), validators=[MinValueValidator(1, _("家庭人口数至少为 1。"))]
    )
    # income (元)
    wage = money(_("工资性收入"))
    business = money(_("生产经营性收入"))
    property_income = money(_("财产性收入"))
    property_dividend = money(_("其中：资产收益扶贫分红"))
    transfer_family_planning = money(_("计划生育金"))
    transfer_dibao = money(_("低保金"))
    transfer_wubao = money(_("五保金"))
    transfer_pension = money(_("养老保险金"))
    transfer_eco = money(_("生态补偿金"))
    transfer_other = money(_("其他转移性收入"))
    business_expense = money(_("生产经营性支出"))
    transfer = models.GeneratedField(
        expression=transfer_sum(),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("转移性收入"),
    )
    net_income = models.GeneratedField(
        expression=net_income_sum(),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("家庭纯收入"),
    )
    per_capita_net = models.GeneratedField(
        expression=MoneyQuotient(net_income_sum(), NullIf(F("household_size"), 0)),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
        verbose_name=_("人均纯收入"),
    )
    # land (亩)
    land_cultivated = area(_("耕地面积（亩）"))
    land_forest = area(_("林地面积（亩）"))
    land_returned = area(_("退耕还林面积（亩）"))
    land_fruit = area(_("林果面积（亩）"))
    land_pasture = area(_("牧草地面积（亩）"))
    land_water = area(_("水面面积（亩）"))
    # living conditions
    power_production = models.BooleanField(_("通生产用电"), default=False)
    power_domestic = models.BooleanField(_("通生活用电"), default=False)
    broadcast_tv = models.BooleanField(_("通广播电视"), default=False)
    water_safe = models.BooleanField(_("饮水安全"), default=False)
    water_difficult = models.BooleanField(_("饮水困难"), default=False)
    road_distance_km = models.DecimalField(
        _("与村主干路距离（公里）"), max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"), message=_("距离不能为负数。"))],
    )  # fmt: skip
    road_type = models.CharField(_("入户路类型"), max_length=10, choices=RoadType.choices, blank=True)
    housing_area = models.DecimalField(
        _("住房面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"), message=_("面积不能为负数。"))],
    )  # fmt: skip
    house_grade = models.CharField(_("住房安全等级"), max_length=1, choices=HouseGrade.choices, blank=True)
    # 是否危房户 as the national file states it: it need not agree with the grade (stated without a grade, or a
    # grade not yet re-assessed), so it is kept beside it, not derived; empty where no file stated it.
    dangerous_house_stated = models.CharField(
        _("是否危房户（国家系统）"), max_length=3, choices=Stated.choices, blank=True
    )
    sanitary_toilet = models.BooleanField(_("有卫生厕所"), default=False)
    main_fuel = models.CharField(_("主要燃料类型"), max_length=10, choices=Fuel.choices, blank=True)
    cooperative = models.BooleanField(_("加入农民专业合作组织"), default=False)
    leading_enterprise = models.BooleanField(_("有龙头企业带动"), default=False)
    entrepreneur_leader = models.BooleanField(_("有创业致富带头人带动"), default=False)

    class Meta:
        verbose_name = _("年度信息")
        verbose_name_plural = _("年度信息")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="householdyear_one_per_year",
                violation_error_message=_("同一户同一年度只能有一条年度信息。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def dangerous_house(self) -> bool:
        return self.house_grade in DANGEROUS_GRADES


class VillageTally(ScopedModel):
    """Counts of a village's registered households and persons (in every status but 已注销).

    Recomputed exactly from the household table by ``services.refresh_tallies`` for the villages a write
    touches, inside the same transaction; higher levels sum villages, so the region browser never counts the
    household table itself (30 million rows nationally).
    """

    region = models.OneToOneField(
        "regions.Region",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tally",
        verbose_name=_("村"),
    )
    households = models.PositiveIntegerField(_("户数"), default=0)
    persons = models.PositiveIntegerField(_("人数"), default=0)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("村级户数人数")
        verbose_name_plural = _("村级户数人数")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.households}/{self.persons}"


class StatusSource(models.TextChoices):
    """What made a status change: only procedures (and the explicit historical load) write status."""

    PROCEDURE = "procedure", _("识别程序")
    EXIT = "exit", _("退出程序")
    RETURN = "return", _("返贫程序")
    CANCELLATION = "cancellation", _("注销")
    HISTORICAL = "historical", _("历史数据导入")
    RECORDED = "recorded", _("登记录入")  # rows of statuses once typed on a form or in a file (now refused)
    MIGRATION = "migration", _("系统迁移（原有状态）")


class StatusChange(HouseholdPart):
    """One change of a household's status (动态调整), immutable: from, to, when it took effect, the business
    year it counts in (a 2016 exit announced in January 2017 counts in 2016), why, and what made it (the
    procedure step or command, by ``reference``). The household's ``status`` is kept in step with the latest
    change by ``registry.status`` — the only writer — and "status at the end of year Y" reads these rows."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=12, choices=HouseholdStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=HouseholdStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    business_year = models.PositiveSmallIntegerField(
        _("所属年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    reason = models.TextField(_("原因"), blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=StatusSource.choices)
    reference = models.CharField(_("依据"), max_length=80, blank=True)  # e.g. identification.publicity:12
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        # "Status at the end of year Y" reads the latest change by (business year, effective date, id) per
        # household: in this order (DESC, nulls first as PostgreSQL's DESC has it — SQLite takes no NULLS in an
        # index), with the status included, it is an index-only scan with no sort, both for one household
        # (registry.status) and for the whole country at once (analytics' snapshot window)
        indexes = [
            models.Index(
                "household",
                F("business_year").desc(),
                F("effective_on").desc(),
                F("id").desc(),
                include=["to_status"],
                name="statuschange_year_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.from_status}→{self.to_status} {self.business_year}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("a status change is immutable: record a new one")
        super().save(*args, **kwargs)


class Monitoring(HouseholdPart):
    """A household's period as a monitoring object (防返贫监测): its kind, the risks, from when to when. Not a
    status: the household keeps its own (an exited household stays 已脱贫). At most one period is open per
    household; the monitoring app opens and closes them through its procedure."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="monitoring_periods")
    kind = models.CharField(_("监测对象类型"), max_length=10, choices=MonitoringKind.choices)
    risk_types = models.JSONField(_("风险类型"), default=list, blank=True)
    started_on = models.DateField(_("纳入日期"))
    ended_on = models.DateField(_("风险消除日期"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    list_field_choices = {"risk_types": dict(RiskType.choices)}

    class Meta:
        verbose_name = _("监测对象")
        verbose_name_plural = _("监测对象")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_on__isnull=True),
                name="monitoring_one_open_per_household",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="monitoring_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.started_on}–{self.ended_on or ''}"


class PolicyPeriod(ScopedModel):
    """A policy period (攻坚期 to 2020, 过渡期 2021–2025, 常态化帮扶 from 2026) in force from ``year`` until the next
    row, nationally or for a province: whether exited households keep enjoying the policies (脱贫不脱政策), which
    tells 已脱贫（享受政策） from 已脱贫（不再享受政策） as the national system does, and keeps their plans and
    measures going. Found by ``core.policy.in_force`` like every policy table."""

    year = models.PositiveSmallIntegerField(
        _("起始年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    province = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("省份"), limit_choices_to={"level": 1},
    )  # fmt: skip
    kind = models.CharField(_("政策时期"), max_length=12, choices=PolicyPeriodKind.choices)
    keeps_policy_after_exit = models.BooleanField(_("脱贫后继续享受政策"), default=True)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("政策时期")
        verbose_name_plural = _("政策时期")
        constraints = [
            models.UniqueConstraint(fields=["year", "province"], name="policyperiod_one_per_year"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(province__isnull=True), name="policyperiod_one_national_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.kind}"


class ReductionTarget(ScopedModel):
    """The year's 减贫计划 for a region, handed down by the level above (province → county → township): persons
    and villages to exit. Progress is read from the status history (net exits ÷ target)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    persons = models.PositiveIntegerField(_("计划脱贫人数"))
    villages = models.PositiveIntegerField(_("计划退出贫困村数"), default=0)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("减贫计划")
        verbose_name_plural = _("减贫计划")
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="reductiontarget_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id} {self.persons}"


class YearState(models.TextChoices):
    OPEN = "open", _("调整中")
    CLOSED = "closed", _("县级已关账")
    CONFIRMED = "confirmed", _("省级已确认")


class AdjustmentYear(ScopedModel):
    """A county's yearly 动态调整: opened by the county, closed by it when nothing is left open, confirmed by the
    province. A closed (or confirmed) year is frozen: its yearly records and the status changes counted in it
    cannot be written (``registry.yearcycle``) until the province reopens it with a reason. Every move is
    audited; the row holds the latest of each."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    state = models.CharField(_("状态"), max_length=12, choices=YearState.choices, default=YearState.OPEN)
    opened_at = models.DateTimeField(_("开始调整时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reopen_reason = models.TextField(_("重新开放原因"), blank=True)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("年度动态调整")
        verbose_name_plural = _("年度动态调整")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="adjustmentyear_one_per_year")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.state}"

    @property
    def frozen(self) -> bool:
        return self.state != YearState.OPEN


class TransferQuerySet(ScopedQuerySet):
    """A move between counties concerns two counties: the sending household's (its scope, like any part of the
    household) and the receiving county, which must see what is sent to it in order to accept it: two range
    conditions, each on its own index (the household's region, ``transfer_to_county_status``)."""

    second_scope = "to_county__code"

    def for_user(self, user, action: str = "view") -> "TransferQuerySet":
        own = super().for_user(user, action)
        if user is None or not user.is_authenticated or not user.can(action):
            return own
        code_range = user.scope_range()
        if code_range is None:
            return own
        return own | self.filter(**{f"{self.second_scope}__range": code_range})


class Transfer(HouseholdPart):
    """A move of persons between counties (迁出/迁入): the sending county asks, the receiving county accepts.

    While it is pending the persons stay active in the sending household (marked pending on its card), so a
    person is never in two households and never in none; acceptance moves them in one transaction, refusal or
    withdrawal leaves them where they are. Read by the sending household's region and by the receiving county.
    """

    from_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("迁出户")
    )
    members = models.ManyToManyField(Member, related_name="transfers", verbose_name=_("迁移人员"))
    names = models.CharField(_("迁移人员"), max_length=300)  # their names, for lists and the history
    source_new_head = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("原户新户主"),
    )  # fmt: skip
    to_county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("迁入县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    to_village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("迁入村"), limit_choices_to={"level": 5},
    )  # fmt: skip
    to_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers_in",
        verbose_name=_("迁入户"),
    )  # fmt: skip
    status = models.CharField(
        _("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.TextField(_("迁移原因"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("申请人"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("退回或撤回原因"), blank=True)

    objects = models.Manager.from_queryset(TransferQuerySet)()

    scope_lookup = "from_household__region__code"

    class Meta:
        verbose_name = _("跨县迁移")
        verbose_name_plural = _("跨县迁移")
        indexes = [models.Index(fields=["to_county", "status"], name="transfer_to_county_status")]

    def __str__(self) -> str:
        return str(_("%(n)s 迁往%(c)s") % {"n": self.names, "c": self.to_county.name})

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.from_household_id}", self.from_household.region_id


class MemberChange(HouseholdPart):
    """One change of a household's people (人口变动), immutable: birth, death, marriage in or out, 分户, 合户, a
    move, a new 户主 — who (the member row concerned: the new one on the household a person joins, the old one
    on the household left), when it took effect and the business year it counts in, why, the other household
    of a move, the transfer that carried it, and who recorded it. ``detail`` says the rest in words."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="member_changes", verbose_name=_("户")
    )
    kind = models.CharField(_("变动类型"), max_length=12, choices=MemberChangeKind.choices)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="changes", verbose_name=_("成员")
    )
    name = models.CharField(_("姓名"), max_length=50)
    other_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("相关户")
    )
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="changes",
        verbose_name=_("跨县迁移"),
    )  # fmt: skip
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    effective_on = models.DateField(_("变动日期"))
    business_year = models.PositiveSmallIntegerField(
        _("所属年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    reason = models.TextField(_("原因"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("人口变动")
        verbose_name_plural = _("人口变动")
        indexes = [
            models.Index(fields=["household", "effective_on", "id"], name="memberchange_hh_date"),
            models.Index(fields=["business_year", "kind"], name="memberchange_year_kind"),
        ]

    def __str__(self) -> str:
        return self.words

    @property
    def words(self) -> str:
        """「2026-03-02 新增人口：张小明（出生）」 — the change as the card says it."""
        what = self.get_kind_display() + (f"，{self.detail}" if self.detail else "")
        group = MEMBER_CHANGE_GROUPS[MemberChangeKind(self.kind)]
        return f"{self.effective_on:%Y-%m-%d} {group}：{self.name}（{what}）"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("a member change is immutable: record a new one")
        super().save(*args, **kwargs)


class SplitReview(HouseholdPart):
    """A household split off (分户) from a registered one, flagged for the township or county to review: 分户 is a
    known way of enrolling relatives. The new household is 未识别 until a procedure says otherwise; the review
    is cleared with a finding."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="split_reviews", verbose_name=_("新立户")
    )
    source = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("原户"))
    source_status = models.CharField(_("原户状态"), max_length=12, choices=HouseholdStatus.choices)
    status = models.CharField(
        _("审核状态"), max_length=8, choices=SplitReviewStatus.choices, default=SplitReviewStatus.OPEN
    )
    opened_at = models.DateTimeField(_("分户时间"), default=timezone.now)
    finding = models.TextField(_("审核意见"), blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )  # fmt: skip
    cleared_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分户审核")
        verbose_name_plural = _("分户审核")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="open"),
                name="splitreview_one_open_per_household",
            )
        ]

    def __str__(self) -> str:
        return str(_("分户审核：%(s)s") % {"s": self.get_status_display()})
