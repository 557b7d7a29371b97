"""The public objection form and the reference lookup."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.ids import validate_phone
from jingzhun.registry.choices import RiskType


class PublicObjectionForm(forms.Form):
    entry = forms.TypedChoiceField(label=_("反映的农户"), coerce=int)
    text = forms.CharField(
        label=_("异议内容"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"min_length": _("请写明异议的具体内容（至少 5 个字）。")},
    )  # fmt: skip
    name = forms.CharField(label=_("您的姓名（可不填）"), required=False, max_length=50)
    contact = forms.CharField(label=_("联系方式（可不填）"), required=False, max_length=50)
    answer = forms.CharField(
        label=_("验证题"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, entries, **kwargs):
        """``entries`` None: an objection to a whole notice (a project's 公示), with no household to choose."""
        super().__init__(*args, **kwargs)
        if entries is None:
            del self.fields["entry"]
        else:
            self.fields["entry"].choices = [("", "—")] + [(e.pk, e.head_name) for e in entries]


class LookupForm(forms.Form):
    ref = forms.CharField(label=_("受理编号"), max_length=20)


class SelfReportForm(forms.Form):
    """农户自主申报 on the public portal: no login; the same challenge and rate limit as objections."""

    village = forms.CharField(label=_("所在村（12 位区划代码，可在公示公告页面查到）"), max_length=12)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=20)
    phone = forms.CharField(
        label=_("联系电话（可不填）"), max_length=20, required=False, validators=[validate_phone]
    )
    text = forms.CharField(
        label=_("遇到了什么困难"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"min_length": _("请写明遇到的困难（至少 5 个字）。")},
    )  # fmt: skip
    risk_types = forms.MultipleChoiceField(
        label=_("风险类型（可多选）"),
        choices=RiskType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    answer = forms.CharField(
        label=_("验证题"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)


class ReferenceForm(forms.Form):
    ref = forms.CharField(label=_("受理编号"), max_length=20)
