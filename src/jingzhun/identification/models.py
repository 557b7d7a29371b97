"""Identification (精准识别): its policy data (poverty lines, procedure parameters) and the procedure as records:
applications, their immutable steps, the public lists (公示/公告) and objections."""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from jingzhun.core.policy import one_per_year, policy_province
from jingzhun.core.records import WrittenOnce
from jingzhun.core.scoping import ScopedModel, ScopedQuerySet, SharedDownQuerySet
from jingzhun.core.uploads import upload_size
from jingzhun.regions.choices import RegionLevel
from jingzhun.registry.choices import Attribute, Cause

from .choices import (
    LIST_TITLES,
    TERMINAL_STAGES,
    ApplicationKind,
    CampaignMode,
    DeptListKind,
    Finding,
    ObjectionSource,
    ObjectionStatus,
    Procedure,
    Round,
    Stage,
    StepKind,
    UpheldAction,
    VillageStatus,
    VillageStepKind,
)


class PovertyLine(ScopedModel):
    """扶贫标准: yuan per person per year at current prices for ``year``; national when ``province`` is empty,
    else a province's own higher line (省定标准). Editable policy data: every change is audited by the services."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    province = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("省份"),
        limit_choices_to={"level": 1},
    )
    amount = models.DecimalField(
        _("标准（元/人·年）"), max_digits=8, decimal_places=2, validators=[MinValueValidator(1)]
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("扶贫标准")
        verbose_name_plural = _("扶贫标准")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province"], name="povertyline_one_per_year_province",
                violation_error_message=_("该年度该省份已有扶贫标准。"),
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(province__isnull=True), name="povertyline_one_national_per_year",
                violation_error_message=_("该年度已有国家扶贫标准。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.amount}"


class ProcedurePolicy(ScopedModel):
    """Parameters of the procedure for ``year``: national defaults when ``province`` is empty, else a province's
    own. 公示 lasts 7 days in some sources and 5 in others (DOMAIN.md §5): it is data, never a constant."""

    DEFAULT_PUBLICITY_DAYS = 7
    DEFAULT_STEP_DAYS = 15

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    province = policy_province()
    publicity_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=DEFAULT_PUBLICITY_DAYS,
        validators=[MinValueValidator(1, _("公示至少 1 天。")), MaxValueValidator(60, _("公示不超过 60 天。"))],
    )  # fmt: skip
    quota_margin_percent = models.PositiveSmallIntegerField(
        _("规模分解上浮比例（%）"), default=10, validators=[MaxValueValidator(100, _("上浮比例不超过 100%。"))],
        help_text=_("国家参数：各省规模之和可超出国家规模的比例；省级参数：省以下逐级分解可超出的比例（未设定为 0）。"),
    )  # fmt: skip
    step_days = models.PositiveSmallIntegerField(
        _("每步办理时限（天）"), default=DEFAULT_STEP_DAYS,
        validators=[MinValueValidator(1, _("时限至少 1 天。")), MaxValueValidator(180, _("时限不超过 180 天。"))],
    )  # fmt: skip
    # DOMAIN.md §5: income is the basic test; a 两不愁三保障 gap qualifies on its own only where a province says so
    gaps_qualify = models.BooleanField(
        _("两不愁三保障缺口可单独作为识别条件"), default=False,
        help_text=_("否（默认）：收入低于标准才符合识别条件，保障缺口列为评议时的考虑因素。"),
    )  # fmt: skip
    # what a printed notice on the village board tells villagers: whom to call, how to object
    supervision_phone = models.CharField(_("监督举报电话"), max_length=30, default="12317")
    objection_channels = models.TextField(
        _("异议反映渠道"), max_length=500,
        default=_("公示期内可向村民委员会、乡镇人民政府书面或口头反映，拨打监督举报电话，或在扶贫对象公示公告网页上在线提出异议。"),
    )  # fmt: skip

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("识别程序参数")
        verbose_name_plural = _("识别程序参数")
        constraints = [
            *one_per_year("procedurepolicy"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.publicity_days}d"


class ApplicationQuerySet(ScopedQuerySet):
    def open(self) -> "ApplicationQuerySet":
        """Applications still in the procedure (neither announced nor rejected)."""
        return self.exclude(stage__in=TERMINAL_STAGES)


class Application(ScopedModel):
    """申请: one household's way through identification for one year. ``stage`` is kept by the services from
    the step records (the only writer), so lists filter on it without replaying the steps."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="applications", verbose_name=_("申请户")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村")
    )
    year = models.PositiveSmallIntegerField(_("识别年度"))
    kind = models.CharField(
        _("申请类别"), max_length=8, choices=ApplicationKind.choices, default=ApplicationKind.INCLUDE
    )
    campaign = models.ForeignKey(
        "Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("回头看"),
    )  # fmt: skip
    stage = models.CharField(_("办理环节"), max_length=20, choices=Stage.choices, default=Stage.APPLIED)
    stage_since = models.DateField(_("进入本环节日期"), default=timezone.localdate)
    reason = models.TextField(_("申请理由"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, editable=False)

    objects = ApplicationQuerySet.as_manager()
    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("识别申请")
        verbose_name_plural = _("识别申请")
        indexes = [models.Index(fields=["stage", "region", "id"], name="application_stage_region_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=~Q(stage__in=["announced", "rejected", "confirmed"]),
                name="application_one_open_per_household",
                violation_error_message=_("该户已有正在办理的识别申请。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.year} {self.household}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id


# A step's attachments: a scan or a photo of a paper record, of bounded size.
SCAN_VALIDATORS = [
    FileExtensionValidator(["pdf", "jpg", "jpeg", "png"], _("附件只能是 PDF、JPG 或 PNG 文件。")),
    upload_size,
]


class Step(WrittenOnce, ScopedModel):
    """One step of an application, by one user at one level: immutable once written (a correction is a new
    step). ``details`` holds the step's own facts (meeting date, attendance and votes, the rules' reasons at the
    time of verification); ``note`` the findings or the reason of a rejection."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=20, choices=StepKind.choices)
    passed = models.BooleanField(_("通过"), default=True)
    stage_before = models.CharField(_("办理前环节"), max_length=20, choices=Stage.choices, blank=True)
    stage_after = models.CharField(_("办理后环节"), max_length=20, choices=Stage.choices)
    on = models.DateField(_("办理日期"), default=timezone.localdate)
    note = models.TextField(_("情况说明"), blank=True)
    details = models.JSONField(_("详细信息"), default=dict, blank=True)
    attachment = models.FileField(
        _("附件"), upload_to="identification/%Y/%m/", blank=True, validators=SCAN_VALIDATORS
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    actor_label = models.CharField(_("办理人"), max_length=150)
    actor_region = models.CharField(_("办理单位区划"), max_length=12, blank=True)
    # 代录: the level the step belongs to, when a user of another level entered it from the signed paper
    # record (``proxy_scan``, required then); empty when the step's own level took it
    on_behalf_of = models.PositiveSmallIntegerField(
        _("代录：原办理层级"), null=True, blank=True, choices=RegionLevel.choices
    )
    proxy_scan = models.FileField(
        _("代录凭证（签字的纸质记录扫描件）"), upload_to="identification/proxy/%Y/%m/", blank=True,
        validators=SCAN_VALIDATORS,
    )  # fmt: skip
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    scope_lookup = "application__region__code"

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_label} {self.on}"


class Publicity(ScopedModel):
    """A public list of one village (公示 or 公告) covering many households; ``last_day`` is fixed when it opens
    from the policy of the year and province. Entries keep what was shown, so past lists read as published."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    round = models.CharField(_("类别"), max_length=16, choices=Round.choices)
    # the procedure the list belongs to: an exit's lists are never mixed with identification's
    procedure = models.CharField(
        _("程序"), max_length=16, choices=Procedure.choices, default=Procedure.IDENTIFICATION
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    starts_on = models.DateField(_("公示开始"))
    last_day = models.DateField(_("公示截止"))
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        indexes = [models.Index(fields=["region", "starts_on"], name="publicity_region_start")]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.title} {self.starts_on}"

    @property
    def title(self) -> str:
        """The list's name: 第一次公示 … for identification, 拟脱贫户公示 / 脱贫户公告 / 返贫户公告 for the others."""
        return str(LIST_TITLES.get((self.procedure, self.round), self.get_round_display()))

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def accepts_objections(self, today) -> bool:
        return self.round != Round.ANNOUNCEMENT and self.is_open and today <= self.last_day


class PublicityEntry(ScopedModel):
    """One household on a list, with the public facts shown (never ID numbers, phones or health details) — or,
    on a 贫困村退出 list, one village (``village_year``; ``head_name`` then holds the village's name)."""

    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="entries")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="entries", null=True, blank=True
    )
    village_year = models.ForeignKey(
        "VillageYear", on_delete=models.PROTECT, related_name="entries", null=True, blank=True
    )
    head_name = models.CharField(_("户主姓名"), max_length=50)
    member_count = models.PositiveSmallIntegerField(_("家庭人口数"))
    attribute = models.CharField(_("贫困户属性"), max_length=16, choices=Attribute.choices, blank=True)
    main_cause = models.CharField(_("主要致贫原因"), max_length=20, choices=Cause.choices, blank=True)
    withdrawn = models.BooleanField(_("已撤出"), default=False)

    scope_lookup = "publicity__region__code"

    class Meta:
        verbose_name = _("公示名单")
        verbose_name_plural = _("公示名单")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["publicity", "application"], name="publicityentry_once_per_list"),
            models.UniqueConstraint(
                fields=["publicity", "village_year"], name="publicityentry_village_once_per_list"
            ),
            models.CheckConstraint(
                condition=Q(application__isnull=False, village_year__isnull=True)
                | Q(application__isnull=True, village_year__isnull=False),
                name="publicityentry_household_or_village",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publicity_id} {self.head_name}"


class Objection(ScopedModel):
    """异议 against one household on a 公示, from staff or the public. While open it holds that household; the
    township decides it with a reason (upheld: back to verification or rejected; dismissed: it goes on)."""

    entry = models.ForeignKey(PublicityEntry, on_delete=models.PROTECT, related_name="objections")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=8, choices=ObjectionSource.choices)
    name = models.CharField(_("反映人"), max_length=50, blank=True)
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    text = models.TextField(_("异议内容"), max_length=2000)
    status = models.CharField(
        _("处理状态"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    action = models.CharField(_("处理结果"), max_length=12, choices=UpheldAction.choices, blank=True)
    resolution = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("反映时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("录入人"),
    )  # fmt: skip
    ip = models.GenericIPAddressField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )  # fmt: skip

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        indexes = [models.Index(fields=["status", "region"], name="objection_status_region")]

    def __str__(self) -> str:
        return self.reference

    def audit_scope(self) -> tuple[str, str]:
        if self.entry.village_year_id is not None:  # an objection to a village on a 贫困村退出 list
            return f"identification.villageyear:{self.entry.village_year_id}", self.region_id
        return f"registry.household:{self.entry.application.household_id}", self.region_id


class DeptList(ScopedModel):
    """A department's list uploaded by a county (车辆、房产、财政供养、工商、村干部). The latest list of each kind
    is the one compared; uploading a new one replaces the old one's rows (the upload itself stays on record)."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    kind = models.CharField(_("名单类别"), max_length=16, choices=DeptListKind.choices)
    source = models.CharField(_("提供部门"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    active = models.BooleanField(_("当前使用"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("部门比对名单")
        verbose_name_plural = _("部门比对名单")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "kind"], condition=Q(active=True), name="deptlist_one_active_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.get_kind_display()} {self.rows}"


class DeptListEntry(ScopedModel):
    """One ID number on a department's list, with what the department says about it (plate, address, unit)."""

    dept_list = models.ForeignKey(DeptList, on_delete=models.CASCADE, related_name="entries")
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    detail = models.CharField(_("登记信息"), max_length=200, blank=True)

    scope_lookup = "dept_list__county__code"

    class Meta:
        verbose_name = _("比对名单条目")
        verbose_name_plural = _("比对名单条目")
        indexes = [models.Index(fields=["id_number"], name="deptlistentry_id_number")]

    def __str__(self) -> str:
        return f"{self.dept_list_id} {self.id_number[:6]}…"


class CrossCheckFlag(ScopedModel):
    """比对疑点: a member of an applying household appears on a department's list. It must be explained before
    the county approves the household."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="flags")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("成员")
    )
    kind = models.CharField(_("名单类别"), max_length=16, choices=DeptListKind.choices)
    detail = models.CharField(_("登记信息"), max_length=200, blank=True)
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    explanation = models.TextField(_("情况说明"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("说明人"),
    )  # fmt: skip
    explained_at = models.DateTimeField(_("说明时间"), null=True, blank=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("比对疑点")
        verbose_name_plural = _("比对疑点")
        constraints = [
            models.UniqueConstraint(fields=["application", "member", "kind"], name="crosscheckflag_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_kind_display()}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.application.household_id}", self.region_id


class Quota(ScopedModel):
    """规模控制: how many persons a region may identify in ``year``. The national figure is entered at the top
    (``region`` empty) and split level by level; the sum of a region's children may exceed it only by the margin
    of ``ProcedurePolicy.quota_margin_percent``."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区划"),
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    persons = models.PositiveIntegerField(_("规模（人）"))

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("识别规模")
        verbose_name_plural = _("识别规模")
        constraints = [
            models.UniqueConstraint(fields=["year", "region"], name="quota_one_per_year_region"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region__isnull=True), name="quota_one_national"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id or 'national'} {self.persons}"


class Campaign(ScopedModel):
    """回头看: a county re-checks its identification over all households or a random sample (``seed`` makes the
    draw reproducible). Each household checked is a ``CampaignCheck``; what it finds wrong becomes an application
    (清退 or 纳入) through the same procedure, linked back to the campaign for its counts."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": 3},
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    title = models.CharField(_("名称"), max_length=100)
    mode = models.CharField(_("核查方式"), max_length=8, choices=CampaignMode.choices)
    sample_percent = models.PositiveSmallIntegerField(
        _("抽查比例（%）"), null=True, blank=True,
        validators=[MinValueValidator(1, _("抽查比例在 1–100 之间。")), MaxValueValidator(100, _("抽查比例在 1–100 之间。"))],
    )  # fmt: skip
    seed = models.PositiveIntegerField(_("抽样种子"), default=0)
    households = models.PositiveIntegerField(_("核查户数"), default=0)
    population = models.PositiveIntegerField(_("全县户数"), default=0)
    opened_on = models.DateField(_("开始日期"), default=timezone.localdate)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("发起人"),
    )  # fmt: skip

    objects = SharedDownQuerySet.as_manager()  # its townships and villages do the checking
    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county"], condition=Q(closed_on__isnull=True), name="campaign_one_open_per_county",
                violation_error_message=_("本县已有进行中的回头看，请先结束它。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CampaignCheck(ScopedModel):
    """One household drawn into a 回头看, with what the village found (``status_then`` is the household's status
    when drawn: in the registry a wrong finding means 错评, outside it 漏评)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="checks")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    status_then = models.CharField(_("抽取时状态"), max_length=16)
    finding = models.CharField(_("核查结论"), max_length=20, choices=Finding.choices, default=Finding.PENDING)
    note = models.TextField(_("核查情况"), blank=True)
    checked_on = models.DateField(_("核查日期"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("核查人"),
    )  # fmt: skip
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="campaign_check",
        verbose_name=_("由此发起的申请"),
    )  # fmt: skip

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("回头看核查户")
        verbose_name_plural = _("回头看核查户")
        indexes = [models.Index(fields=["campaign", "finding", "region"], name="campaigncheck_finding")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="campaigncheck_once_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.household_id}"

    def audit_scope(self) -> tuple[str, str]:
        return f"registry.household:{self.household_id}", self.region_id


# --- poor villages (贫困村): designation 一高一低一无 and exit, per year ----------------------------------------

DEFAULT_EXIT_CHECKLIST = [
    ["collective_income", gettext_noop("村集体经济有稳定收入")],
    ["road", gettext_noop("通硬化路")],
    ["power", gettext_noop("通动力电")],
    ["water", gettext_noop("饮水安全有保障")],
    ["clinic", gettext_noop("有标准化村卫生室")],
    ["broadband", gettext_noop("通宽带网络")],
]


# The names are stored in Chinese (policy data a province may rewrite); pages translate the defaults when shown.
def default_exit_checklist() -> list:
    return [list(item) for item in DEFAULT_EXIT_CHECKLIST]


class VillagePolicy(ScopedModel):
    """贫困村认定和退出标准 for ``year``: national defaults when ``province`` is empty, else a province's own.

    Designation (一高一低一无, DOMAIN.md §5): incidence ≥ ``incidence_multiple`` × the province's incidence,
    per-capita net income < ``income_ratio_percent`` % of the province's average, and (where required) no
    collective income — the province's two figures are the province's own data (its row). Exit (DOMAIN.md §8):
    incidence below ``exit_incidence_percent`` (``exit_incidence_percent_west`` in a 西部 province: the
    province's zone is data on the region), "below" taken as ≤ when ``exit_inclusive`` (texts say both 降至 and
    低于), plus every item of ``exit_checklist`` (local criteria: collective income, roads, …) met."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    province = policy_province()
    incidence_multiple = models.DecimalField(
        _("贫困发生率倍数（一高）"), max_digits=4, decimal_places=2, default=2,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    income_ratio_percent = models.DecimalField(
        _("人均纯收入占全省平均比例（一低，%）"), max_digits=5, decimal_places=2, default=60,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    require_no_collective_income = models.BooleanField(_("要求无村集体经济收入（一无）"), default=True)
    province_incidence_percent = models.DecimalField(
        _("全省贫困发生率（%）"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    province_income = models.DecimalField(
        _("全省农民人均纯收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    exit_incidence_percent = models.DecimalField(
        _("退出贫困发生率标准（%）"), max_digits=4, decimal_places=2, default=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    exit_incidence_percent_west = models.DecimalField(
        _("西部省份退出贫困发生率标准（%）"), max_digits=4, decimal_places=2, default=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )  # fmt: skip
    exit_inclusive = models.BooleanField(
        _("等于标准即可退出（降至）"), default=False,
        help_text=_("否（默认）：贫困发生率须低于标准；是：降至标准即可。"),
    )  # fmt: skip
    exit_checklist = models.JSONField(_("退出其他条件（清单）"), default=default_exit_checklist, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("贫困村认定和退出标准")
        verbose_name_plural = _("贫困村认定和退出标准")
        constraints = [
            *one_per_year("villagepolicy"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.exit_incidence_percent}%"


class VillageYear(ScopedModel):
    """One village in one year: what designation and exit are judged on that the registry does not hold (the
    village's collective income, its farmers' per-capita net income, the answers to the exit checklist — the
    rural population is the statistics' ``analytics.RuralPopulation``), and what was decided in that year.

    ``status`` is the status *decided* in the year (designated, turned down, exited; empty: as the year before):
    the status of year Y is the latest decided at or before Y (``village_selectors.status_in``), so a village
    designated in 2014 is a 贫困村 every year until the year of its exit's 公告. ``exit_stage`` is where the
    year's exit procedure stands (empty: none)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"),
        limit_choices_to={"level": 5},
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    collective_income = models.DecimalField(
        _("村集体经济收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    per_capita_income = models.DecimalField(
        _("农民人均纯收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    checklist = models.JSONField(_("退出条件核查"), default=dict, blank=True)
    status = models.CharField(_("当年认定状态"), max_length=10, choices=VillageStatus.choices, blank=True)
    status_reason = models.TextField(_("认定或退出理由"), blank=True)
    exit_stage = models.CharField(_("退出办理环节"), max_length=20, choices=Stage.choices, blank=True)
    exit_stage_since = models.DateField(_("进入本环节日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("贫困村年度信息")
        verbose_name_plural = _("贫困村年度信息")
        constraints = [  # (region, year) unique: also the index the status-in-year reads use
            models.UniqueConstraint(
                fields=["region", "year"], name="villageyear_one_per_year",
                violation_error_message=_("该村该年度已有年度信息。"),
            )
        ]  # fmt: skip
        # the villages decided in a year (退出 of the year for the 减贫计划), for a county or the whole country:
        # an index range of those villages only, not every village's years
        indexes = [
            models.Index(fields=["year", "status", "region"], name="villageyear_year_status"),
            # the latest change of any village's record: the poor-village count's cache key (one index read)
            models.Index(fields=["updated_at"], name="villageyear_updated"),
            # the decided years only (认定 / 退出: ~250,000 of the ~4.3 M village years nationally), read whole by an
            # index-only scan: each village's status in a year and the national 贫困村 count (2.7 s over every
            # village year before it; ~0.25 s with it) — issue 24's national dashboard
            models.Index(
                fields=["region", "year", "status"], condition=~Q(status=""), name="villageyear_decided"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class VillageStep(WrittenOnce, ScopedModel):
    """One step on a village's year (认定, 不予认定, 提出退出, 公示, 公告, 异议): immutable once written.
    ``details`` keeps the rule's verdict at that moment (incidence, every reason)."""

    village_year = models.ForeignKey(VillageYear, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=20, choices=VillageStepKind.choices)
    passed = models.BooleanField(_("通过"), default=True)
    note = models.TextField(_("情况说明"), blank=True)
    details = models.JSONField(_("详细信息"), default=dict, blank=True)
    on = models.DateField(_("办理日期"), default=timezone.localdate)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    actor_label = models.CharField(_("办理人"), max_length=150)
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    scope_lookup = "village_year__region__code"

    class Meta:
        verbose_name = _("贫困村办理记录")
        verbose_name_plural = _("贫困村办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_label} {self.on}"

    def audit_scope(self) -> tuple[str, str]:
        return f"identification.villageyear:{self.village_year_id}", self.village_year.region_id
