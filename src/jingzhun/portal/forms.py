"""The public objection form and the reference lookup."""

from django import forms
from django.utils.translation import gettext_lazy as _


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
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", "—")] + [(e.pk, e.head_name) for e in entries]


class LookupForm(forms.Form):
    ref = forms.CharField(label=_("受理编号"), max_length=20)
