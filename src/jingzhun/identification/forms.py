"""Forms of the identification pages. They only shape input; the services decide and explain."""

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.widgets import DateInput

from .choices import ApplicationKind, CampaignMode, DeptListKind, Finding, Stage, UpheldAction

DATE_WIDGET = DateInput()
PASSED_CHOICES = [("1", _("通过")), ("0", _("不予通过"))]


def attachment_field(label):
    """Optional upload; its type and size are the step's own rules (``Step.attachment``), checked by the service."""
    return forms.FileField(label=label, required=False, help_text=_("PDF 或照片，不超过 10 MB"))


class StepForm(forms.Form):
    """A procedure step's form. Under 代录 (a township entering a village's step from the paper record) it asks
    for the signed paper, scanned."""

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["proxy_scan"] = forms.FileField(
                label=_("代录凭证（签字的纸质记录扫描件）"),
                help_text=_("代下级录入时必须上传；PDF 或照片，不超过 10 MB"),
                error_messages={"required": _("代录须上传签字的纸质记录扫描件。")},
            )


class ApplyForm(StepForm):
    year = forms.IntegerField(label=_("识别年度"), min_value=2000, max_value=2100)
    reason = forms.CharField(
        label=_("申请理由"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    # what the year and the reason are called for each kind (the service decides whether a reason is required)
    LABELS = {
        ApplicationKind.EXIT: (_("退出年度"), _("提出理由（收入来源、帮扶成效）")),
        ApplicationKind.RETURN: (_("返贫年度"), _("返贫原因（必填）")),
    }

    def __init__(self, *args, kind: str = ApplicationKind.INCLUDE, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        if kind in self.LABELS:
            self.fields["year"].label, self.fields["reason"].label = self.LABELS[kind]


class VerifyForm(StepForm):
    on = forms.DateField(label=_("核实日期"), widget=DATE_WIDGET)
    findings = forms.CharField(label=_("核实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    passed = forms.TypedChoiceField(label=_("核实结论"), choices=PASSED_CHOICES, coerce=lambda v: v == "1")
    attachment = attachment_field(_("入户核实表（附件）"))


class DeliberateForm(StepForm):
    meeting_on = forms.DateField(label=_("评议会日期"), widget=DATE_WIDGET)
    attendance = forms.IntegerField(label=_("到会代表人数"), min_value=1, max_value=1000)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0, max_value=1000)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0, max_value=1000)
    note = forms.CharField(label=_("备注"), required=False, max_length=1000)
    minutes = attachment_field(_("会议记录（附件）"))


class ConsentForm(StepForm):
    """农户认可: the household's word on its exit, and the signed form if there is one."""

    on = forms.DateField(label=_("认可日期"), widget=DATE_WIDGET)
    passed = forms.TypedChoiceField(
        label=_("农户意见"), choices=[("1", _("认可脱贫退出")), ("0", _("不认可"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(
        label=_("农户意见说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不认可时必须写明农户的理由"),
    )  # fmt: skip
    attachment = attachment_field(_("农户认可书（签字扫描件，可不传）"))


class OverrideForm(StepForm):
    """县级审定: why the county takes an exit the rule does not support to its 公告."""

    override = forms.CharField(
        label=_("审定理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("规则不支持该户退出（见上方原因）。如经县级审定仍认定脱贫，请写明依据，理由将记入办理记录。"),
    )  # fmt: skip


class DecisionForm(StepForm):
    passed = forms.TypedChoiceField(label=_("审核意见"), choices=PASSED_CHOICES, coerce=lambda v: v == "1")
    note = forms.CharField(
        label=_("意见说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不予通过时必须填写理由"),
    )  # fmt: skip


class ApprovalForm(DecisionForm):
    override = forms.CharField(
        label=_("超规模审批理由"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("仅在超出本县识别规模时填写"),
    )  # fmt: skip


class QuotaForm(forms.Form):
    region = forms.CharField(widget=forms.HiddenInput, required=False)
    persons = forms.IntegerField(label=_("规模（人）"), min_value=0, max_value=200_000_000)


class ApplicationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请类别"), required=False, choices=[("", _("全部")), *ApplicationKind.choices]
    )
    stage = forms.ChoiceField(label=_("办理环节"), required=False, choices=[("", _("全部")), *Stage.choices])
    q = forms.CharField(label=_("户主姓名"), required=False, max_length=50)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class StaffObjectionForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("反映人"), required=False, max_length=50)
    contact = forms.CharField(label=_("联系方式"), required=False, max_length=50)
    text = forms.CharField(label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结论"),
        choices=[("0", _("异议不成立，继续办理")), ("1", _("异议成立"))],
        coerce=lambda v: v == "1",
    )
    action = forms.ChoiceField(label=_("异议成立时"), choices=UpheldAction.choices, required=False)
    reason = forms.CharField(label=_("处理意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PolicyForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    publicity_days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=60)
    step_days = forms.IntegerField(label=_("每步办理时限（天）"), min_value=1, max_value=180)
    quota_margin_percent = forms.IntegerField(
        label=_("规模分解上浮比例（%）"), min_value=0, max_value=100,
        help_text=_("全国参数：各省合计可超出全国规模的比例；省级参数：省以下逐级分解可超出的比例"),
    )  # fmt: skip
    gaps_qualify = forms.BooleanField(
        label=_("两不愁三保障缺口可单独作为识别条件"), required=False,
        help_text=_("不勾选（默认）：收入低于标准才符合识别条件，保障缺口列为评议时的考虑因素。"),
    )  # fmt: skip


class DeptListForm(forms.Form):
    kind = forms.ChoiceField(label=_("名单类别"), choices=DeptListKind.choices)
    source = forms.CharField(label=_("提供部门"), required=False, max_length=100)
    file = forms.FileField(
        label=_("名单文件"), help_text=_("Excel 或 CSV，第一行为表头，须有「公民身份号码」列，其余列作为登记信息"),
        validators=[FileExtensionValidator(["xlsx", "csv"], _("请上传 .xlsx 或 .csv 文件。"))],
    )  # fmt: skip


class ExplainForm(forms.Form):
    explanation = forms.CharField(
        label=_("核实情况"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CampaignForm(forms.Form):
    """回头看: what a county fills in to open one."""

    title = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    mode = forms.ChoiceField(label=_("核查方式"), choices=CampaignMode.choices)
    sample_percent = forms.IntegerField(
        label=_("抽查比例（%）"), required=False, min_value=1, max_value=100, help_text=_("随机抽查时填写")
    )
    seed = forms.IntegerField(
        label=_("抽样种子"), required=False, min_value=0, max_value=2**31 - 1,
        help_text=_("留空则随机生成；同一种子对同一批农户总是抽出同样的户，供复核。"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].initial = year
        self.fields["title"].initial = _("%(y)d 年扶贫对象动态管理回头看") % {"y": year}


class CheckForm(forms.Form):
    """A village's finding on one household of a 回头看."""

    on = forms.DateField(label=_("核查日期"), widget=DATE_WIDGET)
    finding = forms.ChoiceField(
        label=_("核查结论"), choices=[c for c in Finding.choices if c[0] != Finding.PENDING]
    )
    note = forms.CharField(
        label=_("核查情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class VillagePolicyForm(forms.Form):
    """贫困村认定和退出标准 of a year, national or a province's own (the checklist one item a line: 代码|名称)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    incidence_multiple = forms.DecimalField(
        label=_("贫困发生率倍数（一高）"), min_value=0, max_digits=4, decimal_places=2
    )
    income_ratio_percent = forms.DecimalField(
        label=_("人均纯收入占全省平均比例（一低，%）"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    require_no_collective_income = forms.BooleanField(label=_("要求无村集体经济收入（一无）"), required=False)
    province_incidence_percent = forms.DecimalField(
        label=_("全省贫困发生率（%）"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    province_income = forms.DecimalField(
        label=_("全省农民人均纯收入（元）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    exit_incidence_percent = forms.DecimalField(
        label=_("退出贫困发生率标准（%）"), min_value=0, max_value=100, max_digits=4, decimal_places=2
    )
    exit_incidence_percent_west = forms.DecimalField(
        label=_("西部省份退出贫困发生率标准（%）"), min_value=0, max_value=100, max_digits=4, decimal_places=2
    )
    exit_inclusive = forms.BooleanField(
        label=_("等于标准即可退出（降至）"), required=False,
        help_text=_("不勾选（默认）：贫困发生率须低于标准。"),
    )  # fmt: skip
    exit_checklist = forms.CharField(
        label=_("退出其他条件（每行一项：代码|名称）"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
    )

    def clean_exit_checklist(self):
        items = []
        for line in self.cleaned_data["exit_checklist"].splitlines():
            if not line.strip():
                continue
            key, sep, label = line.partition("|")
            key, label = key.strip(), label.strip()
            if not sep or not key.isascii() or not key.replace("_", "").isalnum() or not label:
                raise forms.ValidationError(
                    _("每行写成“代码|名称”，代码只用英文字母、数字和下划线：%(l)s") % {"l": line}
                )
            items.append([key, label])
        if len({k for k, _label in items}) != len(items):
            raise forms.ValidationError(_("条件代码不能重复。"))
        return items
