"""扶贫项目库 (issue 21): a project's record. Its lifecycle (申报 → 审核 → 论证 → 审定/公告 = 入库 → 年度计划 → 实施 →
验收 → 报账 → 资产移交) is a row per step, written by the services; ``stage`` and ``accepted_on`` are kept in step
with them so that other apps (funds: no final payment before 验收) read one field."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.policy import one_per_year, policy_province
from jingzhun.core.records import WrittenOnce
from jingzhun.core.scoping import ScopedModel
from jingzhun.identification.choices import ObjectionSource, ObjectionStatus
from jingzhun.identification.models import SCAN_VALIDATORS
from jingzhun.regions.choices import RegionLevel

from .choices import (
    AssetKind,
    Category,
    FundKind,
    Nature,
    NoticeKind,
    RevisionDecision,
    RevisionState,
    RevisionStepKind,
    Stage,
    StepKind,
    TargetKind,
)


def money(label, **kwargs):
    return models.DecimalField(
        label, max_digits=14, decimal_places=2,
        validators=[MinValueValidator(0, _("金额不能为负数。"))], **kwargs,
    )  # fmt: skip


class Project(ScopedModel):
    """一个扶贫项目: where it is (the lowest region that declares it: village, township or county), its year, its
    category and budget. Amounts are exact decimals (元)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="projects", verbose_name=_("实施地点")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("项目名称"), max_length=120)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    nature = models.CharField(_("建设性质"), max_length=10, choices=Nature.choices, default=Nature.NEW)
    budget = models.DecimalField(
        _("概算投资（元）"), max_digits=14, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(0, _("投资额不能为负数。"))],
    )  # fmt: skip
    stage = models.CharField(_("所处阶段"), max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # the entry items of the library (入库要素)
    villages = models.ManyToManyField(
        "regions.Region", related_name="+", blank=True, verbose_name=_("覆盖村")
    )
    starts_on = models.DateField(_("计划开工日期"), null=True, blank=True)
    ends_on = models.DateField(_("计划完工日期"), null=True, blank=True)
    responsible_unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    implementer = models.CharField(_("实施单位"), max_length=100, blank=True)
    tasks = models.TextField(_("建设任务"), max_length=2000, blank=True)
    participation = models.TextField(_("群众参与机制"), max_length=1000, blank=True)
    benefit_mechanism = models.TextField(_("带贫减贫机制"), max_length=1000, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("实施进度（%）"), default=0, validators=[MaxValueValidator(100, _("进度不超过 100%。"))]
    )
    settled = money(_("已报账金额（元）"), default=Decimal(0))
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("由上年结转"),
    )

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("扶贫项目")
        verbose_name_plural = _("扶贫项目")
        indexes = [models.Index(fields=["year", "stage"], name="project_year_stage")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": [_("计划完工日期不能早于开工日期。")]})


class ProjectFunding(ScopedModel):
    """资金来源: how much of the project's budget comes from one kind of source (元, exact)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fundings")
    kind = models.CharField(_("资金来源"), max_length=12, choices=FundKind.choices)
    amount = money(_("金额（元）"))

    scope_lookup = "project__region__code"

    class Meta:
        verbose_name = _("项目资金来源")
        verbose_name_plural = _("项目资金来源")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="projectfunding_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class PerformanceTarget(ScopedModel):
    """绩效目标: one indicator and its target value (a project needs at least one to be declared)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("指标类别"), max_length=12, choices=TargetKind.choices)
    indicator = models.CharField(_("绩效指标"), max_length=100)
    value = models.CharField(_("目标值"), max_length=50)

    scope_lookup = "project__region__code"

    class Meta:
        verbose_name = _("绩效目标")
        verbose_name_plural = _("绩效目标")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.value}"


class ProjectBeneficiary(ScopedModel):
    """A household of the registry that benefits from the project (one of the project's villages)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("受益户")
    )

    scope_lookup = "project__region__code"

    class Meta:
        verbose_name = _("项目受益户")
        verbose_name_plural = _("项目受益户")
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="projectbeneficiary_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.household_id}"

    def audit_scope(self) -> tuple[str, str]:
        return f"projects.project:{self.project_id}", self.scope_code()


class ProjectPolicy(ScopedModel):
    """The project library's parameters in force from ``year`` (carried forward), national when ``province`` is
    empty: the days a project's 公示 runs (10 unless the province says otherwise)."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    province = policy_province()
    publicity_days = models.PositiveSmallIntegerField(
        _("项目公示天数"), default=10,
        validators=[MinValueValidator(1, _("公示至少 1 天。")), MaxValueValidator(60, _("公示不超过 60 天。"))],
    )  # fmt: skip

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("项目库参数")
        verbose_name_plural = _("项目库参数")
        constraints = [*one_per_year("projectpolicy")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.publicity_days}d"


class ProjectStep(WrittenOnce, ScopedModel):
    """One step of a project's lifecycle by one user at one level: immutable once written. ``details`` holds
    the step's own facts (progress %, the acceptance team, the amount reported, the year carried to)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=20, choices=StepKind.choices)
    passed = models.BooleanField(_("通过"), default=True)
    stage_before = models.CharField(_("办理前阶段"), max_length=20, choices=Stage.choices)
    stage_after = models.CharField(_("办理后阶段"), max_length=20, choices=Stage.choices)
    on = models.DateField(_("办理日期"), default=timezone.localdate)
    note = models.TextField(_("情况说明"), blank=True)
    details = models.JSONField(_("详细信息"), default=dict, blank=True)
    attachment = models.FileField(
        _("照片或附件"), upload_to="projects/%Y/%m/", blank=True, validators=SCAN_VALIDATORS
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
    at = models.DateTimeField(_("记录时间"), default=timezone.now)
    # 代录: the level the step belongs to, when a user of another level entered it from the signed paper record
    # (``proxy_scan``, required then); empty when the step's own level took it (as identification's steps)
    on_behalf_of = models.PositiveSmallIntegerField(
        _("代录：原办理层级"), null=True, blank=True, choices=RegionLevel.choices
    )
    proxy_scan = models.FileField(
        _("代录凭证（签字的纸质记录扫描件）"), upload_to="projects/proxy/%Y/%m/", blank=True,
        validators=SCAN_VALIDATORS,
    )  # fmt: skip

    scope_lookup = "project__region__code"

    class Meta:
        verbose_name = _("项目办理记录")
        verbose_name_plural = _("项目办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_label} {self.on}"

    def audit_scope(self) -> tuple[str, str]:
        return f"projects.project:{self.project_id}", self.scope_code()


class LibraryRevision(ScopedModel):
    """项目库年度调整: a county's revision of its library of ``year`` (one per county and year). Its projects not
    yet implemented each get a decision (``LibraryRevisionItem``: carry to next year, withdraw, keep); the revised
    library is announced on the portal (a ``ProjectNotice`` of kind 年度调整公告, taking objections) and, its days
    run and its objections decided, the county approves it and the decisions take effect. ``state`` is kept in
    step with the immutable ``LibraryRevisionStep`` rows by the services."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"),
        limit_choices_to={"level": RegionLevel.COUNTY},
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(
        _("调整年度"), validators=[MinValueValidator(2000), MaxValueValidator(2099)]
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=RevisionState.choices, default=RevisionState.DRAFT
    )
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("开始人"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    scope_lookup = "county__code"
    keyset_fields = ("county_id", "id")

    class Meta:
        verbose_name = _("项目库年度调整")
        verbose_name_plural = _("项目库年度调整")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"], name="libraryrevision_one_per_year",
                violation_error_message=_("该县该年度的项目库年度调整已经开始，不能重复开始。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"


class LibraryRevisionItem(ScopedModel):
    """A project of the revised library with the decision proposed when the revision opened and the one set
    (a withdrawal names its reason)."""

    revision = models.ForeignKey(LibraryRevision, on_delete=models.CASCADE, related_name="items")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    proposed = models.CharField(_("建议"), max_length=10, choices=RevisionDecision.choices)
    decision = models.CharField(_("调整意见"), max_length=10, choices=RevisionDecision.choices)
    reason = models.CharField(_("理由"), max_length=500, blank=True)

    scope_lookup = "revision__county__code"
    keyset_fields = ("project_id", "id")

    class Meta:
        verbose_name = _("年度调整项目")
        verbose_name_plural = _("年度调整项目")
        constraints = [
            models.UniqueConstraint(fields=["revision", "project"], name="libraryrevisionitem_once"),
        ]

    def __str__(self) -> str:
        return f"{self.revision_id} {self.project_id} {self.decision}"

    def audit_scope(self) -> tuple[str, str]:
        return f"projects.libraryrevision:{self.revision_id}", self.scope_code()


class LibraryRevisionStep(WrittenOnce, ScopedModel):
    """One step of a yearly revision by one user: immutable once written. ``details`` holds its facts (the
    decision set and on how many projects, the notice's days, what took effect)."""

    revision = models.ForeignKey(LibraryRevision, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=12, choices=RevisionStepKind.choices)
    note = models.TextField(_("情况说明"), blank=True)
    details = models.JSONField(_("详细信息"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    actor_label = models.CharField(_("办理人"), max_length=150)
    at = models.DateTimeField(_("记录时间"), default=timezone.now)

    scope_lookup = "revision__county__code"

    class Meta:
        verbose_name = _("年度调整办理记录")
        verbose_name_plural = _("年度调整办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_label}"

    def audit_scope(self) -> tuple[str, str]:
        return f"projects.libraryrevision:{self.revision_id}", self.scope_code()


class ProjectNotice(ScopedModel):
    """A project's 公示 or 公告 on the public portal, in the region that publishes it (the village, the
    township, the county). ``facts`` keeps what was shown — amount, sources, use, implementer, period and the
    beneficiaries counted, never a name — so a past notice reads as published; it stays online after its days.
    A county's 项目库年度调整公告 is about its whole revised library: ``revision`` instead of ``project``, and
    ``facts`` lists each project's name, village, amount and decision."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="notices", null=True, blank=True
    )
    revision = models.ForeignKey(
        LibraryRevision, on_delete=models.PROTECT, related_name="notices", null=True, blank=True
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("公示单位")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=NoticeKind.choices)
    starts_on = models.DateField(_("公示开始"))
    last_day = models.DateField(_("公示截止"))
    facts = models.JSONField(_("公示内容"), default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("项目公示公告")
        verbose_name_plural = _("项目公示公告")
        indexes = [models.Index(fields=["region", "starts_on"], name="projectnotice_region_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.facts.get('name', '')}"

    @property
    def title(self) -> str:
        return str(self.get_kind_display())

    def accepts_objections(self, today) -> bool:
        from .choices import OBJECTION_NOTICES

        return self.kind in OBJECTION_NOTICES and self.starts_on <= today <= self.last_day


class NoticeObjection(ScopedModel):
    """异议 against a public notice while it runs (a project's 公示, a fund's 公告公示), from staff or the public
    through the portal's one gate (rate limit, challenge, reference number, status page), decided with a reason.
    Abstract: each kind of notice keeps its own table with its ``notice`` key; the fields and the filing
    (``services.notice_objection_file``) are written once."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("公示单位")
    )
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=8, choices=ObjectionSource.choices)
    name = models.CharField(_("反映人"), max_length=50, blank=True)
    contact = models.CharField(_("联系方式"), max_length=50, blank=True)
    text = models.TextField(_("异议内容"), max_length=2000)
    status = models.CharField(
        _("处理状态"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("反映时间"), default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("处理人"),
    )  # fmt: skip

    scope_lookup = "region__code"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.reference


class ProjectObjection(NoticeObjection):
    """异议 against a project on its 公示. While open it holds the project; the level that published the notice
    decides it with a reason."""

    notice = models.ForeignKey(ProjectNotice, on_delete=models.PROTECT, related_name="objections")

    class Meta:
        verbose_name = _("项目公示异议")
        verbose_name_plural = _("项目公示异议")

    def audit_scope(self) -> tuple[str, str]:
        if self.notice.revision_id:  # an objection to a county's 年度调整公告
            return f"projects.libraryrevision:{self.notice.revision_id}", self.region_id
        return f"projects.project:{self.notice.project_id}", self.region_id


class Asset(ScopedModel):
    """扶贫项目资产: what a project left after 资产移交 — its kind, the owner after 确权, its value, who maintains
    it, and the households it benefits (by default the project's). An 经营性 asset's income is distributed to
    them (``AssetIncome``)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets")
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在地")
    )
    name = models.CharField(_("资产名称"), max_length=120)
    kind = models.CharField(_("资产类别"), max_length=10, choices=AssetKind.choices)
    owner = models.CharField(_("确权后所有权人"), max_length=100)
    value = money(_("资产价值（元）"))
    maintainer = models.CharField(_("管护责任人"), max_length=100)
    transferred_on = models.DateField(_("移交日期"), default=timezone.localdate)
    beneficiaries = models.ManyToManyField(
        "registry.Household", related_name="+", blank=True, verbose_name=_("受益户")
    )

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("扶贫项目资产")
        verbose_name_plural = _("扶贫项目资产")

    def __str__(self) -> str:
        return self.name


class AssetIncome(ScopedModel):
    """One distribution of an 经营性 asset's income of ``year`` to its beneficiary households: equal shares to the
    cent (the remainder cents to the first households), added to each household's 资产收益扶贫分红 of that year."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("收益年度"), validators=[MinValueValidator(2000)])
    amount = money(_("分配金额（元）"))
    households = models.PositiveIntegerField(_("分配户数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("分配时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("经办人"),
    )

    scope_lookup = "asset__region__code"

    class Meta:
        verbose_name = _("资产收益分配")
        verbose_name_plural = _("资产收益分配")

    def __str__(self) -> str:
        return f"{self.asset_id} {self.year} {self.amount}"
