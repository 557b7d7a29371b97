"""扶贫资金 (issue 21, DOMAIN.md §7): policy by year (rules of the fund, stages of 报账制, supervision numbers,
allocation weights), funds by source, their allocations down the levels to the county, payments to projects and
households, bank batches, the village cadres' list, supervision alerts and the public accounts (公告公示).

Money is exact (``Decimal``, 2 places, 元). ``balance`` on a fund and an allocation is kept by the services in
the same transaction as the write that moves money; ``reconcile`` recomputes it from the rows (amount = money
passed down + money paid out + balance) and reports any difference."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.crypto import EncryptedTextField
from jingzhun.core.ids import validate_bank_account
from jingzhun.core.policy import one_per_year, policy_province, policy_year
from jingzhun.core.records import WrittenOnce
from jingzhun.core.scoping import ScopedModel
from jingzhun.core.uploads import upload_content
from jingzhun.identification.models import SCAN_VALIDATORS
from jingzhun.projects.models import NoticeObjection

from .choices import (
    FORBIDDEN_2017,
    AlertAction,
    AlertKind,
    AlertState,
    Category,
    NameMask,
    NoticeKind,
    PaymentKind,
    PaymentStatus,
    Source,
    Stage,
)

POSITIVE = [MinValueValidator(Decimal("0.01"), _("金额必须大于 0。"))]


def money(label, **extra):
    return models.DecimalField(label, max_digits=16, decimal_places=2, **extra)


def _share(label, default):
    return models.DecimalField(
        label, max_digits=5, decimal_places=4, default=Decimal(default),
        validators=[MinValueValidator(0, _("比例不能为负数。")), MaxValueValidator(1, _("比例不能超过 100%。"))],
    )  # fmt: skip


def default_stages():
    return [[Stage.START.value, "0.30"], [Stage.BASIC.value, "0.40"], [Stage.ACCEPTED.value, "0.25"],
            [Stage.RETENTION.value, "0.05"]]  # fmt: skip


def default_forbidden():
    return [c.value for c in FORBIDDEN_2017]


class FundPolicy(ScopedModel):
    """The fund-wide numbers of poverty funds in force from ``year`` (carried forward), nationally or for a
    province: the supervision numbers (idle days, the per-person outlier factor, the income jump before an exit),
    the 公告公示 days, how a village notice shows a person's name (``name_mask``), and the weights of
    factor-based allocation. The rules of spending differ by where the money comes from and are kept per source:
    ``FundRule``."""

    year = policy_year()
    province = policy_province()
    idle_days = models.PositiveSmallIntegerField(_("资金滞留预警天数"), default=90)
    outlier_factor = models.DecimalField(
        _("人均资金超过全县人均中位数的倍数"), max_digits=6, decimal_places=2, default=Decimal("3"),
        validators=[MinValueValidator(1, _("倍数不能小于 1。"))],
    )  # fmt: skip
    income_jump_ratio = models.DecimalField(
        _("脱贫前收入突增倍数"), max_digits=6, decimal_places=2, default=Decimal("2"),
        validators=[MinValueValidator(1, _("倍数不能小于 1。"))],
    )  # fmt: skip
    publicity_days = models.PositiveSmallIntegerField(
        _("公告公示天数（不少于）"), default=10, validators=[MinValueValidator(1, _("至少 1 天。"))]
    )
    name_mask = models.CharField(
        _("到人到户补助公示的姓名显示方式"),
        max_length=16,
        choices=NameMask.choices,
        default=NameMask.SURNAME_STARS,
    )
    weight_poverty = _share(_("分配因素权重：贫困状况"), "0.5")
    weight_tasks = _share(_("分配因素权重：政策任务"), "0.3")
    weight_exits = _share(_("分配因素权重：脱贫成效"), "0.2")
    source = models.CharField(_("依据"), max_length=200, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("扶贫资金政策参数")
        verbose_name_plural = _("扶贫资金政策参数")
        constraints = [*one_per_year("fundpolicy")]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'}"


class FundRule(ScopedModel):
    """The rules of spending one source's money (资金来源), in force from ``year`` (carried forward), nationally or
    for a province (a province overrides one source from a year; the other sources stay the nation's): the
    money's name in that period (中央财政专项扶贫资金 to 2020, 衔接推进乡村振兴补助资金 from 2021), what it must be
    used for (a donor's or partner's purpose), the forbidden uses, the management-fee cap (a cumulative share of
    the county's yearly funds of ``fee_base_sources``; empty: no cap), the required industry share at the year
    plan, the 报账制 stages with their shares, the retention's days and whether 报账 needs receipts.

    With no row at all for a source the model's defaults apply: the strictest (the central rules of 2017)."""

    year = policy_year()
    province = policy_province()
    fund_source = models.CharField(_("资金来源"), max_length=12, choices=Source.choices)
    fund_name = models.CharField(_("资金名称"), max_length=60, default="中央财政专项扶贫资金")
    purpose = models.CharField(_("使用要求"), max_length=200, blank=True)
    forbidden = models.JSONField(_("禁止列支的支出类别"), default=default_forbidden, blank=True)
    management_fee_share = models.DecimalField(
        _("项目管理费上限（占当年资金比例）"), max_digits=5, decimal_places=4, null=True, blank=True,
        default=Decimal("0.01"),
        validators=[MinValueValidator(0, _("比例不能为负数。")), MaxValueValidator(1, _("比例不能超过 100%。"))],
    )  # fmt: skip
    # the sources whose county allocations of the year the cap is a share of, and whose fees count against it
    fee_base_sources = models.JSONField(_("管理费上限的计算基数（资金来源）"), default=list, blank=True)
    industry_share = _share(_("产业发展支出最低比例"), "0")
    stages = models.JSONField(_("报账阶段及比例"), default=default_stages)
    retention_days = models.PositiveSmallIntegerField(_("质保金保留天数（验收后）"), default=365)
    receipts_required = models.BooleanField(_("项目报账须附票据"), default=True)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("扶贫资金使用规则")
        verbose_name_plural = _("扶贫资金使用规则")
        constraints = [*one_per_year("fundrule", per=("fund_source",))]

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.fund_source} {self.fund_name}"

    @property
    def source_label(self) -> str:
        return Source(self.fund_source).label if self.fund_source in Source.values else self.fund_source

    def fee_sources(self) -> list[str]:
        """The sources the management-fee cap counts together (the rule's own source when none is named)."""
        return list(self.fee_base_sources or [self.fund_source])

    def stage_shares(self) -> list[tuple[str, Decimal]]:
        return [(stage, Decimal(str(share))) for stage, share in self.stages]


class Fund(ScopedModel):
    """一笔资金: its source, year, the 文号 that issued it and its amount, held by the government that issued it
    (``region``: empty for the central government). ``balance`` is what has not yet been allocated down."""

    source = models.CharField(_("资金来源"), max_length=12, choices=Source.choices)
    year = policy_year()
    document_number = models.CharField(_("文号"), max_length=80)
    title = models.CharField(_("资金名称"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("下达单位所在区划"),
    )  # fmt: skip
    amount = money(_("金额（元）"), validators=POSITIVE)
    balance = money(_("未分配余额（元）"), default=Decimal(0))
    issued_on = models.DateField(_("下达日期"), default=timezone.localdate)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("扶贫资金")
        verbose_name_plural = _("扶贫资金")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "year", "document_number"], name="fund_one_per_document"
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="fund_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}（{self.document_number}）"


class Allocation(ScopedModel):
    """下达: part of a fund passed to a province, city or county — from the fund itself (``parent`` empty) or from
    the allocation the level above received. At the county it is the money the county spends; ``arrived_on`` is
    its arrival there. ``balance`` is what is neither passed further down nor paid out."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("资金")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("上级下达"),
    )  # fmt: skip
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("下达到")
    )
    amount = money(_("金额（元）"), validators=POSITIVE)
    balance = money(_("余额（元）"), default=Decimal(0))
    document_number = models.CharField(_("文号"), max_length=80)
    allocated_on = models.DateField(_("下达日期"), default=timezone.localdate)
    arrived_on = models.DateField(_("到位日期"), null=True, blank=True)
    factors = models.JSONField(_("因素法测算"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("资金下达")
        verbose_name_plural = _("资金下达")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="allocation_balance_not_negative")
        ]
        indexes = [models.Index(fields=["region", "fund"], name="allocation_region_fund")]

    def __str__(self) -> str:
        return f"{self.fund} → {self.region_id} {self.amount}"


class PaymentBatch(ScopedModel):
    """一个银行代发批次 of a county: the approved payments exported to the bank in one file, and the bank's return
    file imported back (each payment paid or failed)."""

    county = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )
    payments_count = models.PositiveIntegerField(_("笔数"), default=0)
    total = money(_("合计金额（元）"), default=Decimal(0))
    returned_at = models.DateTimeField(_("回盘时间"), null=True, blank=True)
    return_file = models.CharField(_("回盘文件"), max_length=200, blank=True)

    scope_lookup = "county__code"

    class Meta:
        verbose_name = _("银行代发批次")
        verbose_name_plural = _("银行代发批次")

    def __str__(self) -> str:
        return f"PC{self.pk:06d}" if self.pk else "PC"

    @property
    def reference(self) -> str:
        return str(self)


class Payment(ScopedModel):
    """一笔支出 from a county's allocation: to a project at a stage of 报账制, to a household's 一卡通 account, or
    the county's 项目管理费. Where it went is ``region`` (the project's place, the household's village, the
    county). The payee's account is copied, encrypted, when the payment is entered (the bank pays that one)."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="payments", verbose_name=_("资金")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    year = policy_year()
    kind = models.CharField(_("支出方式"), max_length=10, choices=PaymentKind.choices)
    category = models.CharField(_("支出类别"), max_length=24, choices=Category.choices)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("项目"),
    )  # fmt: skip
    stage = models.CharField(_("报账阶段"), max_length=10, choices=Stage.choices, blank=True)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("受益户"),
    )  # fmt: skip
    member = models.ForeignKey(
        "registry.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("收款人"),
    )  # fmt: skip
    # the assistance measure this payment pays (到户帮扶措施): the measure's amount already counts it, so the equity
    # of resources reads the payment only when it has none (counted once)
    measure = models.ForeignKey(
        "assistance.Measure", on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("对应帮扶措施"),
    )  # fmt: skip
    payee_name = models.CharField(_("收款人"), max_length=120)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    # the households' rule (``core.ids``): a payee's account is checked the same way whoever the payee is
    bank_account = EncryptedTextField(_("收款账号"), blank=True, validators=[validate_bank_account])
    bank_account_digest = models.CharField(_("收款账号摘要"), max_length=64, blank=True, editable=False)
    amount = money(_("金额（元）"), validators=POSITIVE)
    purpose = models.CharField(_("用途"), max_length=200)
    receipts_note = models.CharField(_("票据说明"), max_length=500, blank=True)  # 报账: what the receipts are
    status = models.CharField(
        _("状态"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payments",
        verbose_name=_("代发批次"),
    )  # fmt: skip
    reissue_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reissued_as",
        verbose_name=_("重发自"),
    )  # fmt: skip
    bank_reference = models.CharField(_("银行流水号"), max_length=60, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")
    audit_exclude = ("bank_account", "bank_account_digest")

    class Meta:
        verbose_name = _("资金支出")
        verbose_name_plural = _("资金支出")
        indexes = [
            models.Index(fields=["region", "status"], name="payment_region_status"),
            models.Index(fields=["allocation", "status"], name="payment_allocation_status"),
            models.Index(fields=["household", "year"], name="payment_household_year"),
            models.Index(fields=["project", "stage"], name="payment_project_stage"),
            models.Index(
                fields=["bank_account_digest"],
                name="payment_bank_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"ZF{self.pk:08d}" if self.pk else "ZF"

    @property
    def reference(self) -> str:
        return str(self)


# A receipt of 报账: a scan or photo that is what its name says, of bounded size and declared picture size
RECEIPT_VALIDATORS = [*SCAN_VALIDATORS, upload_content]
RECEIPTS_MAX = 20  # files of one payment


class PaymentReceipt(ScopedModel):
    """A receipt (票据凭证) a project's 报账 payment is reimbursed against: a PDF, JPEG or PNG kept under the media
    folder (never in the database), read in the payment's scope and every download audited."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="receipts")
    file = models.FileField(_("票据文件"), upload_to="funds/receipts/%Y/%m/", validators=RECEIPT_VALIDATORS)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("上传人"),
    )  # fmt: skip

    scope_lookup = "payment__region__code"

    class Meta:
        verbose_name = _("报账票据")
        verbose_name_plural = _("报账票据")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, str]:
        return f"funds.payment:{self.payment_id}", self.scope_code()


class VillageCadre(ScopedModel):
    """村干部名单 (支书、主任、委员、监委…): name, ID number, post, and the registry household they belong to (found by
    ID number when the list is loaded) — what 优亲厚友 is checked against."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    post = models.CharField(_("职务"), max_length=30)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("所在户"),
    )  # fmt: skip
    loaded_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("村干部")
        verbose_name_plural = _("村干部")
        constraints = [
            models.UniqueConstraint(fields=["region", "id_number"], name="villagecadre_one_per_village"),
        ]
        indexes = [models.Index(fields=["id_number"], name="villagecadre_id_number")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.name}（{self.post}）"


class Alert(ScopedModel):
    """监督预警: a finding of a rule (``alerts.py``) with its evidence, where it was found (a village or a county),
    and how it was resolved: closing needs a reason, and who closed it and when are kept. ``key`` identifies the
    finding so that the nightly run does not raise it twice."""

    kind = models.CharField(_("预警类型"), max_length=16, choices=AlertKind.choices)
    key = models.CharField(_("预警标识"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    year = policy_year()
    summary = models.CharField(_("摘要"), max_length=300)
    evidence = models.JSONField(_("证据"), default=dict)
    amount = money(_("涉及金额（元）"), default=Decimal(0))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("户"),
    )  # fmt: skip
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("支出"),
    )
    state = models.CharField(_("状态"), max_length=8, choices=AlertState.choices, default=AlertState.OPEN)
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办结人"),
    )  # fmt: skip
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_reason = models.TextField(_("办结说明"), blank=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")

    class Meta:
        verbose_name = _("监督预警")
        verbose_name_plural = _("监督预警")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="alert_one_per_finding")]
        indexes = [models.Index(fields=["region", "state", "kind"], name="alert_region_state_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary}"


class AlertStep(WrittenOnce, ScopedModel):
    """One step of an alert's resolution, never changed once written: 办结 (close) or 重新打开 (reopen), always
    with a reason, by whom and when. The alert's ``state`` (and its closed_* fields) are the last step's, kept
    by the same service in the same transaction (``services.alert_close`` / ``alert_reopen``)."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="steps", verbose_name=_("预警"))
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点")
    )
    action = models.CharField(_("办理"), max_length=8, choices=AlertAction.choices)
    reason = models.TextField(_("说明"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("办理人"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("办理时间"), default=timezone.now)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("监督预警办理记录")
        verbose_name_plural = _("监督预警办理记录")
        indexes = [models.Index(fields=["alert", "id"], name="alertstep_alert_id")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.reason[:20]}"


class Notice(ScopedModel):
    """公告公示 of funds: what a county, township or village shows the public — by ``kind`` the county's 年度计划
    (its year's projects: amount, sources, place, implementer, period, beneficiaries counted), the money about to
    be paid (事前公示) or the money paid (事后公告): amount by source and use, households counted and, in a
    village, the subsidies to individuals with masked names. Up from ``starts_on`` for at least the policy's
    days (``last_day``) and kept online afterwards."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    kind = models.CharField(_("公示类别"), max_length=8, choices=NoticeKind.choices, default=NoticeKind.AFTER)
    year = policy_year()
    title = models.CharField(_("标题"), max_length=120)
    rows = models.JSONField(_("公示内容"), default=list)
    individuals = models.JSONField(_("到人到户补助（姓名已脱敏）"), default=list, blank=True)
    # a village's 到户补助 事后公告 made from one bank batch's paid payments (``services.batch_notices_publish``)
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="notices",
        verbose_name=_("代发批次"),
    )  # fmt: skip
    total = money(_("合计金额（元）"), default=Decimal(0))
    starts_on = models.DateField(_("公示开始"))
    last_day = models.DateField(_("公示截止"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    scope_lookup = "region__code"
    keyset_fields = ("region_id", "id")  # the staff list pages by region, as the other notice lists do

    class Meta:
        verbose_name = _("资金公告公示")
        verbose_name_plural = _("资金公告公示")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("starts_on")), name="notice_period_order"
            )
        ]
        # the portal's region page reads a region's notices newest first, page by page
        indexes = [models.Index(fields=["region", "starts_on"], name="notice_region_start")]

    def __str__(self) -> str:
        return self.title

    def accepts_objections(self, today) -> bool:
        return self.starts_on <= today <= self.last_day


class FundObjection(NoticeObjection):
    """异议 against a fund notice (公告公示) while it runs, from the public portal or from staff (the fields and
    the filing are the projects' notices' own: ``projects.models.NoticeObjection``). The county's finance users
    see it on the funds' notices page and decide it with a reason."""

    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("资金公告公示")
    )

    class Meta:
        verbose_name = _("资金公告公示异议")
        verbose_name_plural = _("资金公告公示异议")
        indexes = [models.Index(fields=["region", "status"], name="fundobjection_region_status")]
