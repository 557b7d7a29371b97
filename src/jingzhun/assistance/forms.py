"""Forms of the assistance pages: they shape input; the services decide and explain."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Skill, UnitLevel, UnitType


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    unit_type = forms.ChoiceField(label=_("单位类型"), choices=UnitType.choices)
    level = forms.TypedChoiceField(label=_("单位层级"), choices=UnitLevel.choices, coerce=int)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class CadreForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=None)
    region = forms.CharField(label=_("驻地区划代码"), max_length=12, help_text=_("乡镇或村的 12 位代码"))
    skills = forms.MultipleChoiceField(
        label=_("专长"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    capacity = forms.IntegerField(
        label=_("最多帮扶户数"), min_value=1, max_value=50, required=False, help_text=_("留空按政策参数")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class PairForm(forms.Form):
    cadre = forms.ModelChoiceField(label=_("帮扶责任人"), queryset=None)
    reason = forms.CharField(label=_("调整原因"), max_length=200, required=False, help_text=_("调整时必填"))

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres
