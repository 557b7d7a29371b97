"""HTML forms for the household card. They only shape input; all rules live in ``services``."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.regions.models import Region

from .choices import MONITORED, POOR_FILTER, Cause, HouseholdStatus
from .models import Household, HouseholdYear, Member
from .selectors import HouseholdFilters
from .services import MEMBER_INPUT, YEAR_INPUT


class HouseholdFilterForm(forms.Form):
    """Filters of the household list; every field optional, bad values reported, never a crash."""

    region = forms.CharField(label=_("区划代码"), required=False, max_length=12)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            ("", _("全部")),
            (POOR_FILTER, _("现有贫困（在册、返贫）")),
            *HouseholdStatus.choices,
            (MONITORED, _("监测对象（正在监测）")),
        ],
    )
    status_year = forms.IntegerField(
        label=_("状态截至年末"), required=False, min_value=2000, max_value=2100,
        help_text=_("填写年度时，按该年年末的状态筛选（按业务年度）"),
    )  # fmt: skip
    main_cause = forms.ChoiceField(
        label=_("主要致贫原因"), required=False, choices=[("", _("全部")), *Cause.choices]
    )
    attribute = forms.ChoiceField(
        label=_("贫困户属性"),
        required=False,
        choices=[("", _("全部")), *Household._meta.get_field("attribute").choices],
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    missing_year = forms.IntegerField(
        label=_("缺少该年度信息"), required=False, min_value=2000, max_value=2100,
        help_text=_("在册、已脱贫、返贫户中尚未更新该年度收入与生产生活条件的户"),
    )  # fmt: skip
    q = forms.CharField(
        label=_("搜索"), required=False, max_length=50,
        help_text=_("户编号、户主或成员姓名（可只填一部分）、身份证号或其后 4–6 位"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_region(self) -> Region | None:
        """A code of any level, resolved within the user's scope: a filter narrows, it never widens."""
        code = self.cleaned_data["region"]
        if not code:
            return None
        region = Region.objects.for_user(self.user).filter(code=code.ljust(12, "0")).first()
        if region is None:
            raise forms.ValidationError(_("区划代码不存在或不在您的管辖范围内。"))
        return region

    def filters(self) -> HouseholdFilters:
        """The valid filters; the user's own region when none is asked for."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return HouseholdFilters(
            region=data.get("region") or self.user.region,
            status=data.get("status", ""),
            main_cause=data.get("main_cause", ""),
            attribute=data.get("attribute", ""),
            year=data.get("year"),
            missing_year=data.get("missing_year"),
            status_year=data.get("status_year"),
            q=data.get("q", ""),
        )


class PayloadForm(forms.ModelForm):
    """A ModelForm used for its fields and widgets only: the service validates the model and writes it."""

    def _post_clean(self):
        pass


class HouseholdForm(PayloadForm):
    region = forms.CharField(
        label=_("所在村区划代码"),
        max_length=12,
        min_length=12,
        help_text=_("12 位统计用区划代码，如 522634100201"),
    )
    other_causes = forms.MultipleChoiceField(
        label=_("其他致贫原因"), choices=Cause.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("最多 2 项，不能与主要致贫原因重复"),
    )  # fmt: skip

    class Meta:
        model = Household
        fields = [
            "identification_standard",
            "attribute",
            "main_cause",
            "phone",
        ]  # 识别年度 and status: procedures

    def payload(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items()}


_DEFAULTED_NUMBERS = tuple(
    f.name
    for f in Member._meta.concrete_fields
    if f.name in MEMBER_INPUT and f.has_default() and not f.null and isinstance(f, models.IntegerField)
)


class MemberForm(PayloadForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Member
        fields = list(MEMBER_INPUT)
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"})}

    def payload(self) -> dict:
        data = member_payload(self.cleaned_data)
        if self.cleaned_data.get("id"):
            data["id"] = self.cleaned_data["id"]
        return data


# A number with a default (公益性岗位月数 0, a national column most rows leave empty) may be left empty: the
# stored value (or the default of a new member) stands, instead of a "required" error on a field never touched.
for _name in _DEFAULTED_NUMBERS:
    MemberForm.base_fields[_name].required = False


def member_payload(cleaned: dict) -> dict:
    """A member's fields as the registry services take them (from MemberForm or a member change's form)."""
    data = {k: cleaned.get(k) for k in MEMBER_INPUT}
    for name in _DEFAULTED_NUMBERS:
        if data.get(name) is None:
            data.pop(name, None)
    return data


class BaseMemberFormSet(forms.BaseFormSet):
    def payloads(self) -> list[dict]:
        return [
            f.payload()
            for f in self.forms
            if f.has_changed() or f.cleaned_data.get("id")
            if not (self.can_delete and f.cleaned_data.get("DELETE"))
        ]


MemberFormSet = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=0, can_delete=True)
# 「添加一名成员」: the rows as typed, unchecked, and one new row that may stay empty (an extra form)
WithNewMember = forms.formset_factory(MemberForm, formset=BaseMemberFormSet, extra=1, can_delete=True)


def with_new_member(posted) -> BaseMemberFormSet:
    """The member rows of a posted form given back as typed — not validated, so nobody meets a wall of errors
    for rows not filled in yet — with one empty row added."""
    rows = [{name: form[name].value() for name in form.fields if name != "DELETE"} for form in posted.forms]
    return WithNewMember(prefix=posted.prefix, initial=rows)


class HouseholdYearForm(PayloadForm):
    class Meta:
        model = HouseholdYear
        fields = [f for f in YEAR_INPUT if f != "household_size"]

    def payload(self) -> dict:
        return dict(self.cleaned_data)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("注销原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
