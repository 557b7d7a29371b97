"""Forms of the monitoring pages and of the public self-report."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.uploads import upload_size
from jingzhun.identification.choices import Stage
from jingzhun.identification.models import SCAN_VALIDATORS
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions
from jingzhun.registry.choices import MonitoringKind, RiskType

from .choices import CaseState, ClueSource, ClueStatus, Department
from .models import MonitoringPolicy

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
RISKS = forms.MultipleChoiceField(
    label=_("风险类型"), choices=RiskType.choices, required=False, widget=forms.CheckboxSelectMultiple
)


class ClueForm(forms.Form):
    """A clue entered by staff (a cadre's visit: choose the visit)."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=20, required=False)
    village = forms.CharField(label=_("所在村"), max_length=12, required=False)
    visit = forms.TypedChoiceField(label=_("走访记录"), coerce=int, required=False, empty_value=None)
    text = forms.CharField(label=_("发生了什么"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    risk_types = RISKS
    reported_on = forms.DateField(label=_("发现日期"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, visits=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:  # the villages of the user's scope by name
            offer_regions(self, "village", user=user, levels=(RegionLevel.VILLAGE,), required=False)
        self.fields["visit"].choices = [("", _("（不是走访发现）"))] + [
            (v.pk, f"{v.visited_on:%Y-%m-%d} {v.cadre.name}") for v in visits
        ]


class AcceptForm(forms.Form):
    kind = forms.ChoiceField(label=_("监测对象类型"), choices=MonitoringKind.choices)
    risk_types = forms.MultipleChoiceField(
        label=_("风险类型"), choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("受理意见"), required=False, max_length=500)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("不予受理理由"), max_length=500)


class AuthoriseForm(forms.Form):
    scan = forms.FileField(label=_("授权承诺书扫描件（PDF/JPG/PNG）"), validators=SCAN_VALIDATORS)
    signed_on = forms.DateField(label=_("签署日期"), widget=DATE, initial=timezone.localdate)


class VerifyForm(forms.Form):
    income = forms.DecimalField(label=_("人均可支配收入（元）"), min_value=0, max_digits=10, decimal_places=2)
    rigid_expenses = forms.DecimalField(
        label=_("人均刚性支出（元）"), min_value=0, max_digits=10, decimal_places=2
    )
    happened = forms.CharField(
        label=_("发生了什么"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    findings = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 2}))
    passed = forms.TypedChoiceField(
        label=_("核实结论"), choices=[("1", _("情况属实")), ("0", _("情况不属实"))], coerce=lambda v: v == "1"
    )


class DeliberateForm(forms.Form):
    meeting_on = forms.DateField(label=_("评议会日期"), widget=DATE, initial=timezone.localdate)
    attendance = forms.IntegerField(label=_("到会人数"), min_value=1)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class DecideForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("结论"), choices=[("1", _("同意")), ("0", _("不同意"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("意见"), required=False, max_length=500)


class ClearanceForm(forms.Form):
    income = forms.DecimalField(label=_("人均可支配收入（元）"), min_value=0, max_digits=10, decimal_places=2)
    rigid_expenses = forms.DecimalField(
        label=_("人均刚性支出（元）"), min_value=0, max_digits=10, decimal_places=2
    )
    natural = forms.BooleanField(label=_("风险自然消除（未经帮扶措施）"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class PublicityForm(forms.Form):
    cases = forms.TypedMultipleChoiceField(
        label=_("公示农户"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("公示开始"), widget=DATE, initial=timezone.localdate)
    days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=60)

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [
            (c.pk, f"{c.household.head_name}（{c.get_state_display()}）") for c in cases
        ]


class ScreeningForm(forms.Form):
    department = forms.ChoiceField(label=_("部门"), choices=Department.choices)
    file = forms.FileField(label=_("名单文件（Excel 或 CSV）"), validators=[upload_size])


class CaseFilter(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *CaseState.choices], required=False)
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部")), *MonitoringKind.choices], required=False
    )
    q = forms.CharField(label=_("户主姓名"), required=False, max_length=20)
    stage = forms.ChoiceField(label=_("所处环节"), choices=[("", _("全部")), *Stage.choices], required=False)


class ClueFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("受理状态"), choices=[("", _("全部")), *ClueStatus.choices], required=False
    )
    source = forms.ChoiceField(
        label=_("来源"), choices=[("", _("全部")), *ClueSource.choices], required=False
    )


class LineForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("监测标准（元/人·年）"), min_value=1, max_digits=8, decimal_places=2)
    source = forms.CharField(label=_("依据"), required=False, max_length=200)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = MonitoringPolicy
        fields = [f.name for f in MonitoringPolicy._meta.concrete_fields if f.name not in ("id", "province")]
