from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions
from jingzhun.regions.models import Region

from . import survey
from .choices import CountyKind, Purpose
from .models import AssessmentPolicy, Indicator, SamplingPolicy


class SampleForm(forms.Form):
    county = forms.ModelChoiceField(Region.objects.none(), label=_("县"))
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    purpose = forms.ChoiceField(label=_("用途"), choices=Purpose.choices)
    villages = forms.IntegerField(label=_("抽取村数"), min_value=1, max_value=100, required=False,
                                  help_text=_("留空：按政策规定的每县最少村数。"))  # fmt: skip
    households_per_village = forms.IntegerField(
        label=_("每村抽取户数"), min_value=1, max_value=200, required=False,
        help_text=_("留空：按政策规定的每村最少户数。"),
    )  # fmt: skip
    seed = forms.IntegerField(
        label=_("随机种子"), min_value=0, max_value=2**31 - 1, required=False,
        help_text=_("留空由系统生成；填入已公布的种子可重抽同一样本。"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
        if user.region_id:
            self.fields["county"].queryset = self.fields["county"].queryset.filter(
                code__range=user.region.subtree_range()
            )


YES_NO = [("yes", _("是")), ("no", _("否"))]


class SurveyForm(forms.Form):
    """The phone-friendly web form: the same questions as the ODK form, the registry not shown."""

    persons = forms.IntegerField(label=_("家庭人口数"), min_value=1, max_value=30)

    def __init__(self, *args, **kwargs):
        from .models import CONDITIONS

        super().__init__(*args, **kwargs)
        for name, label in (*CONDITIONS, ("satisfied", _("对本村脱贫攻坚工作是否满意（认可）"))):
            self.fields[name] = forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect)
        for name, label in survey.rating_questions():
            self.fields[name] = forms.ChoiceField(
                label=label, choices=[*YES_NO, (survey.UNKNOWN, _("不了解"))], widget=forms.RadioSelect
            )

    def answers(self) -> dict:
        """The record's fields, read as the ODK import reads them (``survey.answers``)."""
        return survey.answers(self.cleaned_data)


class SurveyUploadForm(forms.Form):
    file = forms.FileField(label=_("ODK Central 导出的提交数据（CSV 或 zip）"))


class FindingForm(forms.Form):
    region = forms.CharField(label=_("问题所在区划"), max_length=12, min_length=12)
    source = forms.ChoiceField(label=_("问题来源"))
    source_ref = forms.CharField(
        label=_("来源编号（12317 工单号、回头看记录号等，可不填）"), max_length=60, required=False
    )
    title = forms.CharField(label=_("问题"), max_length=200)
    detail = forms.CharField(label=_("问题描述"), widget=forms.Textarea, required=False, max_length=4000)
    responsible_unit = forms.CharField(label=_("责任单位"), max_length=100)
    deadline = forms.DateField(label=_("整改时限"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, **kwargs):
        from .choices import FindingSource

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = FindingSource.choices
        if user is not None:  # the regions where the user may raise a finding, by name
            offer_regions(self, "region", user=user, levels=RegionLevel.values, action="raise_finding")


class AlertFindingForm(forms.Form):
    """转整改 of a funds supervision alert: who fixes it, and by when (empty: the policy's days from today)."""

    responsible_unit = forms.CharField(label=_("责任单位"), max_length=100)
    deadline = forms.DateField(
        label=_("整改时限（可不填，按考核参数的天数）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class FindingImportForm(forms.Form):
    file = forms.FileField(label=_("问题清单（CSV，UTF-8）"))


class RectifyForm(forms.Form):
    evidence = forms.CharField(label=_("整改情况"), widget=forms.Textarea, max_length=4000)
    evidence_file = forms.FileField(label=_("佐证材料（可选）"), required=False)


class CloseForm(forms.Form):
    accept = forms.ChoiceField(label=_("审核"), choices=[("yes", _("销号")), ("no", _("退回重新整改"))])
    note = forms.CharField(label=_("意见"), widget=forms.Textarea, required=False, max_length=2000)


class ScoreForm(forms.Form):
    """计算考核结果 by a national user: the province or county, chosen by name (the view reads the posted code
    within the user's ``score`` scope)."""

    region = forms.CharField(label=_("区划"), max_length=12)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_regions(
            self, "region", user=user, action="score", levels=(RegionLevel.PROVINCE, RegionLevel.COUNTY)
        )


class PoorCountyForm(forms.Form):
    """列入贫困县名单: a county of the year, national or provincial."""

    county = forms.CharField(label=_("县级区划代码"), min_length=6, max_length=12)
    kind = forms.ChoiceField(label=_("类别"), choices=CountyKind.choices)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # the counties of the user's scope, by name (province → county where many)
            offer_regions(self, "county", user=user, levels=(RegionLevel.COUNTY,), action="set_policy",
                          label=_("县"))  # fmt: skip

    def clean_county(self):
        code = self.cleaned_data["county"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("区划代码应为数字。"))
        region = Region.objects.filter(code=code.ljust(12, "0"), level=RegionLevel.COUNTY).first()
        if region is None:
            raise forms.ValidationError(_("找不到该县级区划，请核对代码。"))
        return region


class ChecklistForm(forms.Form):
    """A province's own criteria of county exit for a year, one per line."""

    province = forms.CharField(label=_("省级区划代码"), min_length=2, max_length=12)
    items = forms.CharField(
        label=_("附加条件（每行一条）"), widget=forms.Textarea, required=False, max_length=6000,
        help_text=_("留空：清除该省本年度的附加条件。"),
    )  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # the provinces of the user's scope, by name
            offer_regions(self, "province", user=user, levels=(RegionLevel.PROVINCE,), action="set_policy",
                          label=_("省份"))  # fmt: skip

    def clean_province(self):
        code = self.cleaned_data["province"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("区划代码应为数字。"))
        return code.ljust(12, "0")


class PolicyForm(forms.ModelForm):
    """考核参数: grades, whether a ranking is shown, the county exit thresholds, the default 整改时限."""

    class Meta:
        model = AssessmentPolicy
        fields = ["show_ranking", "grade_good", "grade_fair", "grade_pass", "exit_incidence", "exit_wrong_exit",
                  "exit_missed", "exit_satisfaction", "rectify_days", "exit_publicity_days", "national_check_share",
                  "national_check_min"]  # fmt: skip


class SamplingPolicyForm(forms.ModelForm):
    """抽样参数: the least villages and households, the accuracy sample's share inside the registry, the
    satisfaction sample's 5 : 3 : 2 mix."""

    class Meta:
        model = SamplingPolicy
        fields = [
            "min_villages",
            "min_households",
            "inside_share",
            "mix_labour",
            "mix_outside",
            "mix_no_labour",
        ]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["key", "name", "weight", "source", "origin", "best", "worst"]


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


class NationalDrawForm(forms.Form):
    """国家抽查: the year's draw, from a seed given (a redraw to check) or made by the service."""

    year = forms.IntegerField(label=_("退出年度"), min_value=2000, max_value=2100)
    seed = forms.IntegerField(
        label=_("随机种子"), min_value=0, max_value=2**31 - 1, required=False,
        help_text=_("留空：系统生成并保存；填写已保存的种子可重抽复核。"),
    )  # fmt: skip


class NationalResultForm(forms.Form):
    """A drawn county's national check result: passed, or failed with findings, figures and a reason."""

    passed = forms.ChoiceField(
        label=_("抽查结果"), choices=[("yes", _("通过")), ("no", _("未通过（撤销退出）"))], initial="yes"
    )
    incidence = forms.DecimalField(label=_("综合贫困发生率（%）"), min_value=0, max_value=100, required=False)
    wrong_exit = forms.DecimalField(label=_("错退率（%）"), min_value=0, max_value=100, required=False)
    missed = forms.DecimalField(label=_("漏评率（%）"), min_value=0, max_value=100, required=False)
    satisfaction = forms.DecimalField(label=_("群众认可度（%）"), min_value=0, max_value=100, required=False)
    findings = forms.CharField(label=_("发现的问题"), widget=forms.Textarea, max_length=4000, required=False)
    reason = forms.CharField(label=_("结论理由"), widget=forms.Textarea, max_length=2000, required=False)
