"""The project library's forms: filters, the entry items with their financing, a target, the beneficiaries,
and each lifecycle step's facts. The services check everything again; the forms only shape the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AssetKind, Category, FundKind, Nature, RevisionDecision, Stage, TargetKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # the value a date input reads
WAITING = [
    ("", "—"), ("declare", _("待申报")), ("review", _("待乡镇审核")), ("appraise", _("待部门论证")),
    ("approve", _("待县级审定")), ("plan", _("待列入年度计划")), ("accept", _("待验收")), ("transfer", _("待资产移交")),
]  # fmt: skip


class ProjectFilter(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    stage = forms.ChoiceField(label=_("所处阶段"), required=False, choices=[("", "—"), *Stage.choices])
    category = forms.ChoiceField(label=_("项目类别"), required=False, choices=[("", "—"), *Category.choices])
    q = forms.CharField(label=_("项目或实施单位名称"), required=False, max_length=50)
    waiting = forms.ChoiceField(label=_("待我办理"), required=False, choices=WAITING)


class ProjectForm(forms.Form):
    """入库要素: the record and its financing (one amount per source kind)."""

    region = forms.ChoiceField(label=_("申报单位（县、乡镇或村）"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("项目名称"), max_length=120)
    category = forms.ChoiceField(label=_("项目类别"), choices=Category.choices)
    nature = forms.ChoiceField(label=_("建设性质"), choices=Nature.choices)
    villages = forms.MultipleChoiceField(
        label=_("覆盖村"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("村申报的项目自动包含本村。"),
    )  # fmt: skip
    starts_on = forms.DateField(label=_("计划开工日期"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("计划完工日期"), required=False, widget=DATE)
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=100, required=False)
    implementer = forms.CharField(label=_("实施单位"), max_length=100, required=False)
    tasks = forms.CharField(
        label=_("建设任务"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    participation = forms.CharField(
        label=_("群众参与机制"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    benefit_mechanism = forms.CharField(
        label=_("带贫减贫机制"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget = forms.CharField(label=_("概算投资（元）"), max_length=20)

    def __init__(self, *args, regions=(), villages=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = list(regions)
        self.fields["villages"].choices = list(villages)
        if editing:
            del self.fields["region"], self.fields["year"]
        for kind, label in FundKind.choices:
            self.fields[f"fund_{kind}"] = forms.CharField(
                label=_("资金来源：%(k)s（元）") % {"k": label}, required=False, max_length=20
            )

    def fundings(self) -> dict:
        d = self.cleaned_data
        return {k: d[f"fund_{k}"] for k in FundKind.values if (d.get(f"fund_{k}") or "").strip()}


class TargetForm(forms.Form):
    kind = forms.ChoiceField(label=_("指标类别"), choices=TargetKind.choices)
    indicator = forms.CharField(label=_("绩效指标"), max_length=100)
    value = forms.CharField(label=_("目标值"), max_length=50)


class DecideForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("结论"), choices=[("1", _("同意")), ("0", _("不同意（退回）"))], coerce=lambda v: v == "1",
        widget=forms.RadioSelect, initial="1",
    )  # fmt: skip
    note = forms.CharField(
        label=_("意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclareForm(NoteForm):
    """申报; under 代录 (a township for its village) the signed paper record, scanned, is required."""

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["proxy_scan"] = forms.FileField(
                label=_("代录凭证（签字的纸质记录扫描件）"),
                help_text=_("代村级录入时必须上传；PDF 或照片，不超过 10 MB"),
                error_messages={"required": _("代录须上传签字的纸质记录扫描件。")},
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("累计完成进度（%）"), min_value=0, max_value=100)
    note = forms.CharField(label=_("进展情况"), required=False, max_length=1000)
    photo = forms.FileField(label=_("现场照片"), required=False, help_text=_("JPG、PNG 或 PDF，不超过 10 MB"))


class AcceptForm(DecideForm):
    team = forms.CharField(label=_("验收组成员"), max_length=200)
    findings = forms.CharField(label=_("验收意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    on = forms.DateField(label=_("验收日期"), widget=DATE)


class AssetForm(forms.Form):
    """资产移交: one asset (a project with several transfers them one form each)."""

    name = forms.CharField(label=_("资产名称"), max_length=120)
    kind = forms.ChoiceField(label=_("资产类别"), choices=AssetKind.choices)
    owner = forms.CharField(label=_("确权后所有权人"), max_length=100)
    value = forms.CharField(label=_("资产价值（元）"), max_length=20)
    maintainer = forms.CharField(label=_("管护责任人"), max_length=100)


class IncomeForm(forms.Form):
    year = forms.IntegerField(label=_("收益年度"), min_value=2000, max_value=2100)
    amount = forms.CharField(label=_("分配给受益户的收益（元）"), max_length=20)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class AssetFilter(forms.Form):
    kind = forms.ChoiceField(label=_("资产类别"), required=False, choices=[("", "—"), *AssetKind.choices])
    year = forms.IntegerField(label=_("项目年度"), required=False, min_value=2000, max_value=2100)


class ObjectionResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"), choices=[("0", _("异议不成立")), ("1", _("异议成立（项目退回）"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect,
    )  # fmt: skip
    reason = forms.CharField(label=_("处理意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PolicyForm(forms.Form):
    year = forms.IntegerField(label=_("自哪一年起"), min_value=2000, max_value=2100)
    publicity_days = forms.IntegerField(label=_("项目公示天数"), min_value=1, max_value=60)


class RevisionOpenForm(forms.Form):
    year = forms.IntegerField(label=_("调整哪一年度的项目库"), min_value=2000, max_value=2099)


class RevisionDecideForm(forms.Form):
    """调整意见 for the ticked projects of the page (``ids``), or for every project of the revision."""

    decision = forms.ChoiceField(label=_("调整意见"), choices=RevisionDecision.choices)
    reason = forms.CharField(
        label=_("理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("调出项目库时必填"),
    )  # fmt: skip
    every = forms.BooleanField(label=_("应用于本次调整的全部项目（不只是勾选的）"), required=False)


class RevisionItemFilter(forms.Form):
    decision = forms.ChoiceField(
        label=_("调整意见"), required=False, choices=[("", "—"), *RevisionDecision.choices]
    )
