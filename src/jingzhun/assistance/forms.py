"""Forms of the assistance pages: they shape input; the services decide and explain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.widgets import DateInput
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions

from . import catalogue
from .choices import (
    HelperKind,
    MeasureCategory,
    MeasureStatus,
    PairingForm,
    Skill,
    SupportKind,
    TeamRole,
    UnitLevel,
    UnitType,
)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    unit_type = forms.ChoiceField(label=_("单位类型"), choices=UnitType.choices)
    level = forms.TypedChoiceField(label=_("单位层级"), choices=UnitLevel.choices, coerce=int)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class CadreForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None)
    region = forms.CharField(label=_("驻地（乡镇或村）"), max_length=12)
    skills = forms.MultipleChoiceField(
        label=_("专长"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(
        label=_("最多帮扶户数"), min_value=1, max_value=50, required=False, help_text=_("留空按政策参数")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, units=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if user is not None:  # the townships and villages of the user's scope by name
            offer_regions(self, "region", user=user, levels=(RegionLevel.TOWNSHIP, RegionLevel.VILLAGE))


class PairForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("帮扶责任人"), queryset=None)
    reason = forms.CharField(label=_("调整原因"), max_length=200, required=False, help_text=_("调整时必填"))

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


def catalogue_choices():
    """The catalogue grouped by category (五个一批 first), for a <select> with optgroups."""
    groups = {}
    for item in catalogue.CATALOGUE:
        groups.setdefault(item.category, []).append((item.key, item.label))
    return [("", _("（自填措施，选择类别）"))] + [
        (MeasureCategory(cat).label, items) for cat, items in groups.items()
    ]


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2100)
    goal = forms.CharField(label=_("脱贫目标"), max_length=200, required=False)


class MeasureForm(forms.Form):
    item = forms.ChoiceField(label=_("措施"), required=False)
    category = forms.ChoiceField(
        label=_("措施类别"), choices=[("", _("按所选措施")), *MeasureCategory.choices], required=False
    )
    content = forms.CharField(
        label=_("措施内容"), max_length=200, required=False, help_text=_("留空用措施名称")
    )
    planned_amount = forms.DecimalField(label=_("计划金额（元）"), max_digits=12, decimal_places=2, initial=0)
    responsible = forms.CharField(label=_("责任单位或责任人"), max_length=100)
    unit = forms.ModelChoiceField(label=_("出资或实施单位"), queryset=None, required=False)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DateInput)
    ends_on = forms.DateField(label=_("完成日期"), required=False, widget=DateInput)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = catalogue_choices()
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        item = catalogue.BY_KEY.get(data.get("item") or "")
        if not data.get("category"):
            if item is None:
                self.add_error("category", _("自填措施请选择类别。"))
            else:
                data["category"] = item.category
        if item is None and not data.get("content"):
            self.add_error("content", _("自填措施请写明内容。"))
        return data


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=MeasureStatus.choices)
    actual_amount = forms.DecimalField(
        label=_("实际金额（元）"), max_digits=12, decimal_places=2, required=False
    )
    ends_on = forms.DateField(label=_("完成日期"), required=False, widget=DateInput)


class VisitForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("走访人"), queryset=None)
    visited_on = forms.DateField(label=_("走访日期"), widget=DateInput)
    content = forms.CharField(label=_("走访内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label=_("照片"), required=False, help_text=_("JPG 或 PNG，不超过 10 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
    )  # fmt: skip

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


class HelpersForm(forms.Form):
    helpers = forms.ModelMultipleChoiceField(
        label=_("社会帮扶力量（第二、第三帮扶人）"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args, helpers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helpers"].queryset = helpers


class HelperForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=HelperKind.choices)
    name = forms.CharField(label=_("名称或姓名"), max_length=100)
    contact = forms.CharField(label=_("联系方式"), max_length=50, required=False)


class SupportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2100)
    unit = forms.ModelChoiceField(label=_("帮扶单位"), queryset=None, required=False)
    source = forms.CharField(
        label=_("其他来源"), max_length=100, required=False, help_text=_("无帮扶单位时必填")
    )
    kind = forms.ChoiceField(label=_("类别"), choices=SupportKind.choices)
    amount = forms.DecimalField(label=_("金额或折价（元）"), max_digits=12, decimal_places=2)
    description = forms.CharField(label=_("用途"), max_length=200)
    received_on = forms.DateField(label=_("到位日期"), required=False, widget=DateInput)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class VillagePairForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("帮扶单位"), queryset=None)
    form = forms.ChoiceField(label=_("帮扶形式"), choices=PairingForm.choices)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class TeamForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("派出单位"), queryset=None)
    first_secretary = forms.ModelChoiceField(label=_("第一书记"), queryset=None)

    def __init__(self, *args, units=None, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["first_secretary"].queryset = cadres


class MemberForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("队员"), queryset=None)
    role = forms.ChoiceField(label=_("职务"), choices=TeamRole.choices)

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres
