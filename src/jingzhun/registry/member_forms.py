"""Forms of the 人口变动 pages. They shape input only; ``registry.members`` decides and writes."""

from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.core.widgets import DateInput
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import RegionAnywhereField, offer_regions

from . import members as mc
from .choices import Relationship
from .forms import MemberForm, member_payload
from .services import MEMBER_INPUT

DATE = DateInput()
RELATIONSHIPS = [("", "—"), *Relationship.choices]
NOT_HEAD = [c for c in RELATIONSHIPS if c[0] != Relationship.HEAD]


class ChangeForm(forms.Form):
    """When and why: the fields every change has."""

    effective_on = forms.DateField(
        label=_("变动日期"), required=False, widget=DATE, help_text=_("默认为今天")
    )
    business_year = forms.IntegerField(
        label=_("所属年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("默认为变动日期所在年度"),
    )
    reason = forms.CharField(label=_("原因"), required=False, max_length=500)

    def __init__(self, *args, household, members, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household, self.active, self.user = household, members, user
        self.by_pk = {m.pk: m for m in members}

    def offer_villages(self, field: str) -> None:
        """The villages of the user's scope by name instead of a 12-digit code (none given: the code box)."""
        if self.user is not None:
            offer_regions(self, field, user=self.user, levels=(RegionLevel.VILLAGE,), required=False)

    def when(self) -> dict:
        d = self.cleaned_data
        return {"effective_on": d.get("effective_on"), "business_year": d.get("business_year"),
                "reason": d.get("reason", "")}  # fmt: skip

    def member_choice(self, name, label, *, required=True, help_text=""):
        choices = [("", "—"), *((m.pk, m.name) for m in self.active)]
        self.fields[name] = forms.TypedChoiceField(
            label=label, choices=choices, coerce=int, required=required, empty_value=None, help_text=help_text
        )

    def member(self, name):
        return self.by_pk.get(self.cleaned_data.get(name))


class PersonForm(ChangeForm):
    """A person new to the registry (a birth, a spouse from outside): the household form's member fields."""

    first = ("name", "id_number", "relationship")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        person = {k: copy.deepcopy(f) for k, f in MemberForm.base_fields.items() if k in MEMBER_INPUT}
        self.fields = {**{k: person.pop(k) for k in self.first}, **person, **self.fields}

    def person(self) -> dict:
        return member_payload(self.cleaned_data)


class BirthForm(PersonForm):
    done = _("已登记出生。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].help_text = _("默认为身份证号中的出生日期")
        self.fields["relationship"].initial = Relationship.SON

    def save(self, user):
        return mc.member_birth(user=user, household=self.household, member=self.person(), **self.when())


class MarryInForm(PersonForm):
    done = _("已登记婚入。")
    origin = forms.CharField(label=_("来自何处"), required=False, max_length=80)

    def save(self, user):
        return mc.member_marry_in(
            user=user, household=self.household, member=self.person(), origin=self.cleaned_data["origin"],
            **self.when(),
        )  # fmt: skip


class LeaveForm(ChangeForm):
    """A member leaves (death, marriage out): who, and the new 户主 when it is the head who leaves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_choice("member", _("成员"))
        self.member_choice("new_head", _("新户主"), required=False, help_text=_("户主离开本户时必填"))
        self.order_fields(["member", "effective_on", "new_head"])


class DeathForm(LeaveForm):
    done = _("已登记死亡。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].label, self.fields["effective_on"].help_text = _("死亡日期"), ""

    def save(self, user):
        when = self.when()
        return mc.member_death(
            user=user, household=self.household, member=self.member("member"), died_on=when.pop("effective_on"),
            new_head=self.member("new_head"), **when,
        )  # fmt: skip


class MarryOutForm(LeaveForm):
    done = _("已登记婚出。")
    destination = forms.CharField(label=_("去往何处"), required=False, max_length=80)

    def save(self, user):
        return mc.member_marry_out(
            user=user, household=self.household, member=self.member("member"), new_head=self.member("new_head"),
            destination=self.cleaned_data["destination"], **self.when(),
        )  # fmt: skip


class HeadForm(ChangeForm):
    done = _("已变更户主。")
    old_head_relationship = forms.ChoiceField(label=_("原户主与新户主的关系"), choices=NOT_HEAD)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_choice("new_head", _("新户主"))
        self.order_fields(["new_head", "old_head_relationship"])

    def save(self, user):
        return mc.head_change(
            user=user, household=self.household, new_head=self.member("new_head"),
            old_head_relationship=self.cleaned_data["old_head_relationship"], **self.when(),
        )  # fmt: skip


class PersonsForm(ChangeForm):
    """Several persons who go together, each with their relationship to the head where they arrive."""

    def add_persons(self, persons, label="", *, all_of_them=False):
        if not all_of_them:
            self.fields["members"] = forms.TypedMultipleChoiceField(
                label=label or _("人员"), choices=[(m.pk, m.name) for m in persons], coerce=int,
                widget=forms.CheckboxSelectMultiple,
            )  # fmt: skip
        for m in persons:
            self.fields[f"rel_{m.pk}"] = forms.ChoiceField(
                label=_("%(n)s 在迁入户中与户主的关系") % {"n": m.name}, choices=RELATIONSHIPS, required=False,
                initial=m.relationship,
            )  # fmt: skip

    def chosen(self):
        return [self.by_pk[pk] for pk in self.cleaned_data.get("members", []) if pk in self.by_pk]

    def relationships(self) -> dict[int, str]:
        return {int(k[4:]): v for k, v in self.cleaned_data.items() if k.startswith("rel_") and v}


class MoveForm(PersonsForm):
    done = _("已办理迁移。")
    to_household = forms.CharField(label=_("迁入户户编号"), required=False, max_length=20)
    village = forms.CharField(label=_("或：新立户所在村"), required=False, max_length=12)
    marriage = forms.BooleanField(label=_("因婚嫁迁移"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_villages("village")
        self.add_persons(self.active, _("迁移人员"))
        self.member_choice("new_head", _("原户新户主"), required=False, help_text=_("户主迁出时必填"))

    def save(self, user):
        d = self.cleaned_data
        return mc.members_move(
            user=user, household=self.household, members=self.chosen(), relationships=self.relationships(),
            to_household=d["to_household"], village=d["village"], new_head=self.member("new_head"),
            marriage=d["marriage"], **self.when(),
        )  # fmt: skip


class SplitForm(PersonsForm):
    done = _("已分户。")
    village = forms.CharField(label=_("新户所在村"), required=False, max_length=12,
                              help_text=_("默认为本村"))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_villages("village")
        self.fields["village"].help_text = _("默认为本村")
        self.add_persons(self.active, _("分出人员"))
        self.member_choice("new_head", _("原户新户主"), required=False, help_text=_("户主分出时必填"))

    def save(self, user):
        return mc.household_split(
            user=user, household=self.household, members=self.chosen(), relationships=self.relationships(),
            village=self.cleaned_data["village"], new_head=self.member("new_head"), **self.when(),
        )  # fmt: skip


class MergeForm(PersonsForm):
    """合户 in two steps: the other household's 户编号, then the relationship of each of its members here."""

    done = _("已合户。")
    other = forms.CharField(label=_("并入本户的户编号"), max_length=20)

    def __init__(self, *args, other_members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_persons(other_members, all_of_them=True)

    def save(self, user):
        return mc.household_merge(
            user=user, household=self.household, other=self.cleaned_data["other"],
            relationships=self.relationships(), **self.when(),
        )  # fmt: skip


class TransferForm(PersonsForm):
    done = _("已提出跨县迁出申请。")
    to_village = forms.CharField(label=_("迁入村"), max_length=12, help_text=_("12 位村级区划代码"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None:  # the receiving village by name, from the whole country's tree
            self.fields["to_village"] = RegionAnywhereField(
                user=self.user, levels=(RegionLevel.VILLAGE,), action="transfer_send", label=_("迁入村"),
                exclude=[self.household.region_id],
                exclude_message=_("迁入村是本户所在村：跨县迁移应迁往其他县的村。"),
                help_text=_("逐级选择省、市、县、乡、村；迁入县接收后办理迁入"),
            )  # fmt: skip
        self.fields["members"] = forms.TypedMultipleChoiceField(
            label=_("迁移人员"), choices=[(m.pk, m.name) for m in self.active], coerce=int,
            widget=forms.CheckboxSelectMultiple,
        )  # fmt: skip
        self.member_choice("new_head", _("原户新户主"), required=False, help_text=_("户主迁出时必填"))
        for name in ("effective_on", "business_year"):
            del self.fields[name]
        self.fields["reason"].required, self.fields["reason"].label = True, _("迁移原因")

    def save(self, user):
        d = self.cleaned_data
        return mc.transfer_request(
            user=user, household=self.household, members=self.chosen(), to_village=d["to_village"],
            reason=d["reason"], new_head=self.member("new_head"),
        )  # fmt: skip


class AcceptForm(PersonsForm):
    to_household = forms.CharField(label=_("迁入户户编号"), required=False, max_length=20)
    village = forms.CharField(label=_("或：新立户所在村"), required=False, max_length=12)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_villages("village")
        self.add_persons(self.active, all_of_them=True)
        del self.fields["reason"]
        self.order_fields(["to_household", "village"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class FindingForm(forms.Form):
    finding = forms.CharField(label=_("审核意见"), max_length=500)


FORMS = {
    "birth": (_("出生登记"), BirthForm, "change_members"),
    "death": (_("死亡登记"), DeathForm, "change_members"),
    "marry_in": (_("婚入登记"), MarryInForm, "change_members"),
    "marry_out": (_("婚出登记"), MarryOutForm, "change_members"),
    "head": (_("户主变更"), HeadForm, "change_members"),
    "move": (_("县内迁移"), MoveForm, "change_members"),
    "split": (_("分户"), SplitForm, "change_members"),
    "merge": (_("合户"), MergeForm, "change_members"),
    "transfer": (_("跨县迁出"), TransferForm, "transfer_send"),
}
