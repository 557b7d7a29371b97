"""Forms of the funds pages: they only parse what is typed; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.widgets import MultipleFileField
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions

from .choices import (
    FORBIDDEN_2017,
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


class FundForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=Source.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    document_number = forms.CharField(label=_("文号"), max_length=80)
    title = forms.CharField(label=_("资金名称"), max_length=120)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    region = forms.CharField(label=_("下达资金的地区（中央资金不选）"), max_length=12, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # the provinces, prefectures and counties of the user's scope, by name
            offer_regions(self, "region", user=user, action="manage_funds", required=False,
                          levels=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY))  # fmt: skip


class AmountForm(forms.Form):
    amount = forms.CharField(label=_("测算金额（元）"), max_length=20)


class HouseholdPaymentForm(forms.Form):
    id_number = forms.CharField(label=_("收款人身份证号"), max_length=24)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    category = forms.ChoiceField(label=_("支出类别"), choices=Category.choices, initial=Category.HOUSEHOLD)


class HouseholdCardPaymentForm(HouseholdPaymentForm):
    """到户补助 from the household's card: the money among the county's arrived allocations, the payee among the
    household's members (by name: the ID number never leaves the server), and the plan measure it pays among the
    household's own (``allocations``, ``members``, ``measures``: (pk, label) pairs)."""

    allocation = forms.TypedChoiceField(label=_("支付资金"), coerce=int)
    member = forms.TypedChoiceField(label=_("收款人"), coerce=int)
    measure = forms.TypedChoiceField(
        label=_("对应帮扶措施"), coerce=int, required=False, empty_value=None,
        help_text=_("发放的是该户帮扶计划中某项措施的资金时选择，计入该措施，不重复统计。"),
    )  # fmt: skip

    field_order = ["allocation", "member", "measure", "category", "amount", "purpose"]

    def __init__(self, *args, allocations=(), members=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]
        self.fields["allocation"].choices = list(allocations)
        self.fields["member"].choices = list(members)
        self.fields["measure"].choices = [("", _("不对应具体措施")), *measures]


class ProjectPaymentForm(forms.Form):
    project = forms.IntegerField(label=_("项目编号"), min_value=1)
    stage = forms.ChoiceField(label=_("报账阶段"), choices=Stage.choices)
    category = forms.ChoiceField(label=_("支出类别"), choices=Category.choices, initial=Category.INDUSTRY)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    payee_name = forms.CharField(label=_("收款单位"), max_length=120)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    bank_account = forms.CharField(label=_("账号"), max_length=40)
    # 报账 against receipts: whether one is required is the fund policy's (the service refuses, in Chinese)
    receipts = MultipleFileField(
        label=_("报账票据（可多选）"), required=False,
        help_text=_("发票、结算单等票据的扫描件或照片：PDF、JPG 或 PNG，每个不超过 10 MB"),
    )  # fmt: skip
    receipts_note = forms.CharField(
        label=_("票据说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("写明所附票据：如发票号码、金额、开票单位"),
    )  # fmt: skip


class ProjectSettleForm(ProjectPaymentForm):
    """报账 on the project's page: the same payment as on the allocation's page, the project being the page's
    and the money chosen among the county's arrived allocations (``allocations``: (pk, label) pairs)."""

    allocation = forms.TypedChoiceField(label=_("支付资金"), coerce=int)

    field_order = ["allocation", "stage", "category", "amount", "purpose", "payee_name", "bank_name",
                   "bank_account", "receipts", "receipts_note"]  # fmt: skip

    def __init__(self, *args, allocations=(), **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["project"]
        self.fields["allocation"].choices = list(allocations)


class FeeForm(forms.Form):
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    payee_name = forms.CharField(label=_("收款单位"), max_length=120)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    bank_account = forms.CharField(label=_("账号"), max_length=40)


class PaymentFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *PaymentStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("支出方式"), choices=[("", _("全部")), *PaymentKind.choices], required=False
    )


class AlertFilter(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *AlertState.choices], required=False)
    kind = forms.ChoiceField(
        label=_("预警类型"), choices=[("", _("全部")), *AlertKind.choices], required=False
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)


class NoticeForm(forms.Form):
    """发布公告公示: the kind, the region (chosen by name among the reader's counties, townships and villages; the
    cascading picker where a scope holds too many), the year and, for a 事后公告, optionally the period the
    payments were paid in."""

    kind = forms.ChoiceField(label=_("公示类别"), choices=NoticeKind.choices, initial=NoticeKind.AFTER)
    region = forms.CharField(label=_("发布单位（县、乡镇或村）"), max_length=12)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    paid_from = forms.DateField(
        label=_("支付期间自（事后公告，可不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    paid_to = forms.DateField(
        label=_("支付期间至（事后公告，可不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            offer_regions(self, "region", user=user,
                          levels=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE))  # fmt: skip


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"), choices=[("0", _("异议不成立")), ("1", _("异议成立（须更正公告）"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    reason = forms.CharField(label=_("处理意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新打开的理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


FRACTION_HELP = _("0 到 1 之间的小数，如 0.3 表示 30%")


def _fraction(label, help_text=FRACTION_HELP):
    return forms.DecimalField(label=label, min_value=0, max_value=1, decimal_places=4, help_text=help_text)


class FundPolicyForm(forms.Form):
    """扶贫资金政策参数 (the fund-wide numbers) from a year on, for the nation or a province (the service
    validates again). The rules of spending each source's money: ``FundRuleForm``."""

    year = forms.IntegerField(label=_("自哪一年起"), min_value=2000, max_value=2100)
    province = forms.ChoiceField(label=_("适用范围"), required=False)
    idle_days = forms.IntegerField(label=_("资金滞留预警天数"), min_value=0, max_value=3650)
    outlier_factor = forms.DecimalField(
        label=_("户均资金超过全县中位数的倍数"), min_value=1, max_value=1000, decimal_places=2
    )
    income_jump_ratio = forms.DecimalField(
        label=_("脱贫前收入突增倍数"), min_value=1, max_value=1000, decimal_places=2
    )
    publicity_days = forms.IntegerField(label=_("公告公示天数（不少于）"), min_value=1, max_value=3650)
    name_mask = forms.ChoiceField(
        label=_("到人到户补助公示的姓名显示方式"), choices=NameMask.choices,
        help_text=_("身份证号、银行账号在任何方式下都不公示；公示全名须省级政策规定。"),
    )  # fmt: skip
    weight_poverty = _fraction(_("分配因素权重：贫困状况"), _("三项权重合计须为 1"))
    weight_tasks = _fraction(_("分配因素权重：政策任务"), _("三项权重合计须为 1"))
    weight_exits = _fraction(_("分配因素权重：脱贫成效"), _("三项权重合计须为 1"))
    source = forms.CharField(label=_("依据（文号）"), max_length=200, required=False)

    FIELDS = ("idle_days", "outlier_factor", "income_jump_ratio", "publicity_days", "name_mask", "weight_poverty",
              "weight_tasks", "weight_exits", "source")  # fmt: skip

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = provinces

    def values(self) -> dict:
        """The cleaned form as ``policy_set``'s keyword arguments."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    @classmethod
    def initial_of(cls, policy) -> dict:
        return {name: getattr(policy, name) for name in cls.FIELDS}


class FundRuleForm(forms.Form):
    """扶贫资金使用规则 of one source from a year on, for the nation or a province (the service validates again):
    a province's row overrides the nation's for that source only."""

    year = forms.IntegerField(label=_("自哪一年起"), min_value=2000, max_value=2100)
    province = forms.ChoiceField(label=_("适用范围"), required=False)
    fund_source = forms.ChoiceField(label=_("资金来源"), choices=Source.choices)
    fund_name = forms.CharField(label=_("资金名称"), max_length=60)
    purpose = forms.CharField(
        label=_("使用要求"), max_length=200, required=False, help_text=_("如：按捐赠协议约定的用途使用")
    )
    forbidden = forms.MultipleChoiceField(
        label=_("禁止列支的支出类别"), choices=[(c.value, c.label) for c in FORBIDDEN_2017], required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    management_fee_share = forms.DecimalField(
        label=_("项目管理费上限（占当年资金比例）"), min_value=0, max_value=Decimal("0.05"), decimal_places=4,
        required=False, help_text=_("0 到 0.05 之间的小数，如 0.01 表示 1%；不填为不设上限"),
    )  # fmt: skip
    fee_base_sources = forms.MultipleChoiceField(
        label=_("管理费上限的计算基数（不选为本来源）"), choices=Source.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    industry_share = _fraction(_("产业发展支出最低比例"))
    stage_start = _fraction(_("报账比例：开工预付"))
    stage_basic = _fraction(_("报账比例：基本完工"))
    stage_accepted = _fraction(_("报账比例：验收合格"))
    stage_retention = _fraction(_("报账比例：质保金"))
    retention_days = forms.IntegerField(label=_("质保金保留天数（验收后）"), min_value=0, max_value=3650)
    receipts_required = forms.BooleanField(
        label=_("项目报账须附票据"), required=False, help_text=_("勾选后每笔项目报账至少上传一张票据")
    )
    basis = forms.CharField(label=_("依据（文号）"), max_length=200, required=False)

    STAGES = ("start", "basic", "accepted", "retention")
    FIELDS = ("fund_name", "purpose", "forbidden", "management_fee_share", "fee_base_sources", "industry_share",
              "retention_days", "receipts_required", "basis")  # fmt: skip

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = provinces

    def values(self) -> dict:
        """The cleaned form as ``rule_set``'s keyword arguments (besides year, province and source)."""
        d = {name: self.cleaned_data[name] for name in self.FIELDS}
        d["stages"] = [[name, str(self.cleaned_data[f"stage_{name}"])] for name in self.STAGES]
        return d

    @classmethod
    def initial_of(cls, rule) -> dict:
        shares = dict(rule.stage_shares())
        initial = {name: getattr(rule, name) for name in cls.FIELDS}
        initial["fund_source"] = rule.fund_source
        initial.update({f"stage_{name}": shares.get(name, Decimal(0)) for name in cls.STAGES})
        return initial
