"""防止返贫动态监测 (issue 20): policy data (the monitoring line, the procedure's parameters, the departments'
thresholds), the clues from every channel, the departments' screening lists, and the monitoring case of a
household. The procedure's steps, its 公示 and objections are identification's records (a procedure of its
table, ``identification.rules.PROCEDURES``); the monitoring period itself is the registry's dated attribute
(``registry.Monitoring``), opened at the county's confirmation and closed at 风险消除."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.ids import validate_phone
from jingzhun.core.policy import one_per_year, policy_province, policy_year
from jingzhun.core.scoping import ScopedModel
from jingzhun.identification.models import SCAN_VALIDATORS
from jingzhun.registry.choices import MonitoringKind, RiskType

from .choices import OPEN_STATES, CaseState, ClueSource, ClueStatus, Department


def _days(label, default, low, high):
    return models.PositiveSmallIntegerField(
        label, default=default,
        validators=[
            MinValueValidator(low, _("不少于 %(limit_value)s 天。")), MaxValueValidator(high, _("不超过 %(limit_value)s 天。"))
        ],
    )  # fmt: skip


def _threshold(label, default):
    return models.DecimalField(
        label, max_digits=12, decimal_places=2, default=Decimal(default),
        validators=[MinValueValidator(0, _("阈值不能为负数。"))],
    )  # fmt: skip


def risk_labels(codes) -> str:
    """The risk types in Chinese, 、-separated (unknown codes shown as they are)."""
    labels = dict(RiskType.choices)
    return "、".join(str(labels.get(c, c)) for c in codes or [])


class MonitoringLine(ScopedModel):
    """监测标准: the income line of ``year`` (元/人·年), national when ``province`` is empty, else the province's own
    (never below the national figure of the year). A line of a year, never carried forward."""

    year = policy_year()
    province = policy_province()
    amount = models.DecimalField(
        _("监测标准（元/人·年）"), max_digits=8, decimal_places=2, validators=[MinValueValidator(1)]
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("防返贫监测标准")
        verbose_name_plural = _("防返贫监测标准")
        constraints = [
            *one_per_year("monitoringline"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.amount}"


class MonitoringPolicy(ScopedModel):
    """The parameters of monitoring in force from ``year`` (carried forward), nationally or for a province: the
    income definition and window, the days allowed (clue acceptance, 公示, first clue to confirmation), the
    conditions of 风险消除 (each a switch), and each department's screening threshold."""

    year = policy_year()
    province = policy_province()
    income_definition = models.CharField(_("收入口径"), max_length=50, default="人均可支配收入")
    income_window_months = models.PositiveSmallIntegerField(
        _("收入计算期（认定前月数）"), default=12,
        validators=[MinValueValidator(1, _("至少 1 个月。")), MaxValueValidator(24, _("不超过 24 个月。"))],
    )  # fmt: skip
    accept_days = _days(_("线索受理时限（天）"), 2, 1, 30)
    publicity_days = _days(_("村级公示天数（不少于）"), 5, 1, 60)
    confirm_days = _days(_("从发现线索到确认的时限（天）"), 15, 1, 90)
    min_months = models.PositiveSmallIntegerField(
        _("风险消除前至少监测（月）"), default=6, validators=[MaxValueValidator(60, _("不超过 60 个月。"))]
    )
    check_months = models.BooleanField(_("风险消除须监测满规定月数"), default=True)
    check_measure = models.BooleanField(
        _("风险消除须至少落实 1 项帮扶措施（风险自然消除除外）"), default=True
    )
    check_income = models.BooleanField(_("风险消除须收入稳定超过监测标准"), default=True)
    check_expenses = models.BooleanField(_("风险消除须刚性支出问题已解决"), default=True)
    check_assurance = models.BooleanField(_("风险消除须三保障和饮水安全有保障"), default=True)
    threshold_medical = _threshold(_("医保：个人自付医疗费用阈值（元）"), "10000")
    threshold_emergency = _threshold(_("应急：灾害损失阈值（元）"), "5000")
    threshold_hr = _threshold(_("人社：失业月数阈值"), "3")
    threshold_education = _threshold(_("教育：教育支出阈值（元）"), "8000")
    threshold_civil = _threshold(_("民政：临时救助金额阈值（元）"), "1000")
    threshold_disability = _threshold(_("残联：康复支出阈值（元）"), "5000")

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("防返贫监测参数")
        verbose_name_plural = _("防返贫监测参数")
        constraints = [
            *one_per_year("monitoringpolicy"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'}"

    def threshold(self, department: str) -> Decimal:
        return getattr(self, f"threshold_{department}")


class ScreeningList(ScopedModel):
    """A department's screening list uploaded by a county: its rows matched by ID number with the county's
    registry in one query per batch; rows at or above the department's threshold raise clues."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    matched = models.PositiveIntegerField(_("本县在档人员"), default=0)
    flagged = models.PositiveIntegerField(_("达到阈值（生成线索）"), default=0)
    threshold = models.DecimalField(_("所用阈值"), max_digits=12, decimal_places=2, default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("部门筛查名单")
        verbose_name_plural = _("部门筛查名单")

    def __str__(self) -> str:
        return f"{self.county_id} {self.get_department_display()} {self.rows}"


class Clue(ScopedModel):
    """风险线索: a sign that a household may fall (back) into poverty, from one channel, with its date. The
    township accepts it (a case) or dismisses it with a reason, within the days of the policy. A clue about a
    person never registered keeps the name and ID number until acceptance creates the household's record."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="monitoring_clues",
        verbose_name=_("农户"),
    )  # fmt: skip
    source = models.CharField(_("线索来源"), max_length=12, choices=ClueSource.choices)
    department = models.CharField(_("部门"), max_length=16, choices=Department.choices, blank=True)
    screening = models.ForeignKey(
        ScreeningList, on_delete=models.PROTECT, null=True, blank=True, related_name="clues",
        verbose_name=_("筛查名单"),
    )  # fmt: skip
    visit = models.ForeignKey(
        "assistance.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("走访记录"),
    )  # fmt: skip
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    reported_on = models.DateField(_("发现日期"), default=timezone.localdate)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    text = models.TextField(_("情况说明"), max_length=2000)
    risk_types = models.JSONField(_("风险类型"), default=list, blank=True)
    value = models.DecimalField(_("部门数值"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("受理状态"), max_length=10, choices=ClueStatus.choices, default=ClueStatus.PENDING
    )
    case = models.ForeignKey(
        "Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clues",
        verbose_name=_("监测案例"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("受理人"),
    )  # fmt: skip
    decided_on = models.DateField(_("受理日期"), null=True, blank=True)
    decision_note = models.TextField(_("受理意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )  # fmt: skip
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")
    list_field_choices = {"risk_types": dict(RiskType.choices)}

    class Meta:
        verbose_name = _("风险线索")
        verbose_name_plural = _("风险线索")
        indexes = [models.Index(fields=["status", "region", "reported_on"], name="clue_status_region")]

    def __str__(self) -> str:
        return self.reference

    @property
    def risk_labels(self) -> str:
        return risk_labels(self.risk_types)

    def audit_scope(self) -> tuple[str, str]:
        root = (
            f"registry.household:{self.household_id}" if self.household_id else f"monitoring.clue:{self.pk}"
        )
        return root, self.region_id


class Case(ScopedModel):
    """监测案例: one household as a monitoring object, from its first clue to 风险消除 (or its refusal). It keeps
    the household's signed authorisation (农户授权承诺, scanned), the facts of the verification, the procedure
    of identification (``application``) and of 风险消除 (``clearance``, the latest; earlier ones stay on record
    as the household's applications), and the registry's monitoring period once confirmed."""

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="monitoring_cases",
        verbose_name=_("农户"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    kind = models.CharField(_("监测对象类型"), max_length=10, choices=MonitoringKind.choices)
    risk_types = models.JSONField(_("风险类型"), default=list, blank=True)
    first_clue_on = models.DateField(_("首次发现线索日期"))
    state = models.CharField(
        _("状态"), max_length=12, choices=CaseState.choices, default=CaseState.IDENTIFYING
    )
    application = models.OneToOneField(
        "identification.Application", on_delete=models.PROTECT, related_name="monitoring_case",
        verbose_name=_("认定程序"),
    )  # fmt: skip
    clearance = models.OneToOneField(
        "identification.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="clearing_case",
        verbose_name=_("风险消除程序"),
    )  # fmt: skip
    period = models.OneToOneField(
        "registry.Monitoring", on_delete=models.PROTECT, null=True, blank=True, related_name="case",
        verbose_name=_("监测期"),
    )  # fmt: skip
    authorised_on = models.DateField(_("授权承诺签署日期"), null=True, blank=True)
    authorisation = models.FileField(
        _("农户授权承诺书（扫描件）"), upload_to="monitoring/authorisation/%Y/%m/", blank=True,
        validators=SCAN_VALIDATORS,
    )  # fmt: skip
    income = models.DecimalField(
        _("人均可支配收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    rigid_expenses = models.DecimalField(
        _("人均刚性支出（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    happened = models.TextField(_("发生了什么"), blank=True)
    natural = models.BooleanField(_("风险自然消除"), default=False)
    clear_income = models.DecimalField(
        _("消除时人均可支配收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    clear_expenses = models.DecimalField(
        _("消除时人均刚性支出（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    tracking_since = models.DateField(_("转为持续跟踪日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")
    list_field_choices = {"risk_types": dict(RiskType.choices)}

    class Meta:
        verbose_name = _("监测案例")
        verbose_name_plural = _("监测案例")
        indexes = [models.Index(fields=["state", "region", "first_clue_on"], name="case_state_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="case_one_open_per_household", violation_error_message=_("该户已有进行中的监测案例。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.household} {self.get_kind_display()}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def risk_labels(self) -> str:
        return risk_labels(self.risk_types)
