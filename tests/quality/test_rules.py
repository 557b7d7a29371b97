"""Each rule of 疑点数据核查 on a household that breaks it and one that does not. Mistakes are planted with
``update()``, as legacy or imported data would hold them: the services refuse most of them at entry."""

import datetime as dt

import pytest

from jingzhun.core.ids import check_char
from jingzhun.quality.rules import BY_CODE, RULES, Field, Scope
from jingzhun.registry.models import Household, HouseholdYear, Member, StatusChange, StatusSource
from tests.conftest import COUNTY_B, VILLAGE_B2, id_born_on, member, new_id, year

from .conftest import YEAR, found, head_of, spouse_of

pytestmark = pytest.mark.django_db


def test_the_rules_are_data_with_codes_names_severities_and_fields():
    assert [r.code for r in RULES] == [f"Q{i:02d}" for i in range(1, 21)]
    assert all(r.name and r.severity and r.fields for r in RULES)
    assert {r.severity.label for r in RULES} == {"错误", "疑点", "提示"}


def test_q01_invalid_id_numbers(family, scope):
    bad, good = family(), family()
    wrong_check = head_of(bad)
    number = wrong_check.id_number
    Member.objects.filter(pk=wrong_check.pk).update(
        id_number=number[:17] + ("0" if number[17] != "0" else "1")
    )
    legacy = spouse_of(bad)
    Member.objects.filter(pk=legacy.pk).update(id_number=legacy.id_number[:6] + legacy.id_number[8:17])
    assert found("Q01", scope) == {wrong_check.pk, legacy.pk}
    assert not found("Q01", scope) & set(good.members.values_list("pk", flat=True))


def test_q01_a_birth_date_that_does_not_exist(family, scope):
    h = family()
    head = head_of(h)
    first17 = head.id_number[:6] + "19700230" + head.id_number[14:17]  # 30 February
    Member.objects.filter(pk=head.pk).update(id_number=first17 + check_char(first17))
    assert head.pk in found("Q01", scope)


def test_q02_the_same_person_twice_in_the_county(family, scope):
    first, second, other = family(), family(), family()
    number = head_of(first).id_number
    copy = spouse_of(second)
    Member.objects.filter(pk=copy.pk).update(id_number=number[:6] + number[8:17])  # the 15-digit form
    assert found("Q02", scope) == {head_of(first).pk, copy.pk}
    assert not found("Q02", scope) & set(other.members.values_list("pk", flat=True))


def test_q03_the_same_person_in_two_counties(family, register, county_b, scope):
    here, elsewhere, alone = family(), register(region=VILLAGE_B2), family()
    number = head_of(here).id_number
    Member.objects.filter(pk=spouse_of(elsewhere).pk).update(id_number=number[:6] + number[8:17])
    assert found("Q03", scope) == {head_of(here).pk}
    assert found("Q02", scope) == set()  # not twice within this county
    assert head_of(alone).pk not in found("Q03", scope)
    theirs = Scope(region_code=COUNTY_B, year=YEAR, line=scope.line, today=scope.today)
    assert found("Q03", theirs) == {spouse_of(elsewhere).pk}  # the 15-digit form finds its 18-digit self


def test_q03_finds_the_short_form_of_a_number_ending_in_x(family, register, county_b, scope):
    """An 18-digit number whose check character is X (one in eleven) is matched with its 15-digit form too."""
    here, elsewhere = family(), register(region=VILLAGE_B2)
    head = head_of(here)
    while not head.id_number.endswith("X"):  # a number of the same person with X as its check character
        number = new_id()
        if number.endswith("X"):
            Member.objects.filter(pk=head.pk).update(id_number=number)
            head.refresh_from_db()
    Member.objects.filter(pk=spouse_of(elsewhere).pk).update(
        id_number=head.id_number[:6] + head.id_number[8:17]
    )
    assert found("Q03", scope) == {head.pk}


def test_q04_unknown_relationship_codes(family, scope):
    bad, good = family(), family()
    spouse = spouse_of(bad)
    Member.objects.filter(pk=spouse.pk).update(relationship="之表哥")
    assert found("Q04", scope) == {spouse.pk}
    assert good.pk not in Member.objects.filter(pk__in=found("Q04", scope)).values_list(
        "household", flat=True
    )


def test_q05_several_heads(family, scope):
    bad, good = family(), family()
    Member.objects.filter(pk=spouse_of(bad).pk).update(relationship="head")
    assert found("Q05", scope) == {bad.pk}
    assert good.pk not in found("Q05", scope)


def test_q06_several_spouses(family, scope):
    bad = family(members=[member(), member("spouse", id_number=new_id(male=False)),
                          member("spouse", name="王芳", id_number=new_id(male=False))])  # fmt: skip
    good = family()
    assert found("Q06", scope) == {bad.pk}
    assert good.pk not in found("Q06", scope)


def test_q07_no_head(family, scope):
    bad, good = family(), family()
    Member.objects.filter(pk=head_of(bad).pk).update(relationship="other")
    assert found("Q07", scope) == {bad.pk}
    assert good.pk not in found("Q07", scope)


def test_q08_education_and_schooling_both_empty(family, scope):
    bad, good = family(), family()  # the son at school has 文化程度 too, as the 2014 form records it
    Member.objects.filter(pk=head_of(bad).pk).update(education="", schooling="none")
    assert found("Q08", scope) == {head_of(bad).pk}
    assert not found("Q08", scope) & set(good.members.values_list("pk", flat=True))


def test_q09_work_without_months_or_months_without_work(family, scope):
    bad, good = family(), family()
    Member.objects.filter(pk=head_of(bad).pk).update(work_status="out_of_province", months_worked=0)
    Member.objects.filter(pk=spouse_of(bad).pk).update(work_status="none", months_worked=4)
    Member.objects.filter(pk=head_of(good).pk).update(work_status="in_county", months_worked=6)
    assert found("Q09", scope) == {head_of(bad).pk, spouse_of(bad).pk}


def has(name: str) -> bool:
    return Field("member", name).exists()


_numbers = iter(range(1, 10**6))


def from_national_files() -> dict:
    """What marks a member row as imported from the national files (a 人口编号), where the registry keeps it."""
    return {"national_number": f"5226341002010000{next(_numbers):04d}"} if has("national_number") else {}


def test_q10_work_place_without_months_or_months_without_place(family, scope):
    if not has("work_place"):  # the registry of today: the rule says what it lacks
        assert BY_CODE["Q10"].unavailable(scope) == "不适用（缺少字段：务工所在地）"
        return
    bad, good = family(), family()
    Member.objects.filter(pk=head_of(bad).pk).update(
        work_place="浙江省宁波市", months_worked=0, **from_national_files()
    )
    Member.objects.filter(pk=spouse_of(bad).pk).update(
        work_place="", months_worked=5, **from_national_files()
    )
    Member.objects.filter(pk=head_of(good).pk).update(
        work_place="浙江省宁波市", months_worked=8, **from_national_files()
    )
    assert found("Q10", scope) == {head_of(bad).pk, spouse_of(bad).pk}


def test_q11_insurance_both_yes_or_both_no(family, scope):
    if not has("employee_medical_insurance"):
        assert BY_CODE["Q11"].unavailable(scope) == "不适用（缺少字段：参加城镇职工基本医疗保险）"
        return
    bad, good = family(), family()
    Member.objects.filter(pk=head_of(bad).pk).update(
        medical_insurance=True, employee_medical_insurance=True, **from_national_files()
    )
    Member.objects.filter(pk=spouse_of(bad).pk).update(
        medical_insurance=False, employee_medical_insurance=False, **from_national_files()
    )
    Member.objects.filter(pk=head_of(good).pk).update(
        medical_insurance=True, employee_medical_insurance=False, **from_national_files()
    )
    assert found("Q11", scope) == {head_of(bad).pk, spouse_of(bad).pk}


def test_q14_a_members_phone_of_11_digits(family, scope):
    if not has("phone"):
        assert BY_CODE["Q14"].unavailable(scope) == "不适用（缺少字段：成员联系电话）"
        return
    bad, good = family(), family()
    Member.objects.filter(pk=head_of(bad).pk).update(phone="0855-3331234")
    Member.objects.filter(pk=head_of(good).pk).update(phone="13812345678")
    assert found("Q14", scope) == {head_of(bad).pk}


def test_q08_both_filled_on_a_row_from_the_national_files(family, scope):
    """The national files leave 文化程度 empty for a pupil; our own forms record it (no finding there)."""
    if not has("national_number"):
        return  # no row of the registry says it came from the national files yet
    imported, entered = family(), family()
    pupil = imported.members.get(relationship="son")
    Member.objects.filter(pk=pupil.pk).update(**from_national_files())
    assert found("Q08", scope) == {pupil.pk}
    assert entered.members.get(relationship="son").pk not in found("Q08", scope)


def test_q12_yes_no_items_cannot_be_empty_here(scope):
    assert BY_CODE["Q12"].unavailable(scope) == "不适用（本系统的是/否项不允许为空）"


def test_q13_the_11_digit_phone_rule(family, scope):
    landline, mobile, short, _none = family(), family(), family(), family()
    Household.objects.filter(pk=landline.pk).update(phone="0855-3331234")
    Household.objects.filter(pk=mobile.pk).update(phone="13812345678")
    Household.objects.filter(pk=short.pk).update(phone="1381234567")
    assert found("Q13", scope) == {landline.pk, short.pk}


def test_q15_a_spouse_of_the_same_sex_as_the_head(family, scope):
    bad = family(members=[member(), member("spouse", name="杨文", id_number=new_id(male=True))])
    good = family()
    assert found("Q15", scope) == {spouse_of(bad).pk}
    assert spouse_of(good).pk not in found("Q15", scope)


def test_q16_an_exited_households_member_without_serious_illness_insurance(family, scope):
    exited = family(status="exited", identified_year=2014)
    registered = family()
    Member.objects.filter(household__in=[exited, registered], relationship="spouse").update(
        serious_illness_insurance=False
    )
    assert found("Q16", scope) == {spouse_of(exited).pk}


def test_q17_an_exited_household_below_the_line(family, scope):
    poor = family(status="exited", identified_year=2014, years=[year(year=YEAR, wage="3000", business="0",
                  business_expense="0", transfer_dibao="0")])  # fmt: skip
    fine = family(status="exited", identified_year=2014)
    assert found("Q17", scope) == {poor.pk}
    assert fine.pk not in found("Q17", scope)


def test_q17_needs_the_years_line(scope):
    no_line = Scope(region_code=scope.region_code, year=2031, line=None, today=scope.today)
    assert BY_CODE["Q17"].unavailable(no_line) == "不适用（未设定 2031 年度扶贫标准）"


def test_q18_an_exited_household_in_a_c_or_d_house(family, scope):
    bad = family(status="exited", identified_year=2014)
    good = family(status="exited", identified_year=2014)
    HouseholdYear.objects.filter(household=bad).update(house_grade="D")
    HouseholdYear.objects.filter(household=good).update(house_grade="B")
    assert found("Q18", scope) == {bad.pk}


def test_q19_a_child_of_6_to_15_not_at_school(family, scope):
    out = family(members=[member(), member("son", id_number=id_born_on(dt.date(YEAR - 10, 3, 1)),
                                           education="primary", schooling="none", labour="none")])  # fmt: skip
    at_school = family()  # the son born 2015 is at primary school
    too_young = family(members=[member(), member("daughter", id_number=id_born_on(dt.date(YEAR - 5, 3, 1), male=False),
                                                 education="preschool_child", schooling="none", labour="none")])  # fmt: skip
    son = out.members.get(relationship="son")
    assert found("Q19", scope) == {son.pk}
    assert not found("Q19", scope) & set(at_school.members.values_list("pk", flat=True))
    assert too_young.pk


def test_q20_household_size_differs_from_the_members(family, scope):
    bad, good = family(), family()
    HouseholdYear.objects.filter(household=bad, year=YEAR).update(household_size=5)
    assert found("Q20", scope) == {bad.pk}
    assert good.pk not in found("Q20", scope)


def test_the_exited_rules_read_the_status_at_the_end_of_the_year_checked(family, scope):
    """A household that exited after the year checked was not an exited household in it (Q16, Q17, Q18 read
    the year-end status from the status history); one exited in the year is, though registered again now."""
    later = family(identified_year=2014, years=[year(year=YEAR, wage="3000", business="0", business_expense="0",
                   transfer_dibao="0")])  # fmt: skip
    returned = family(identified_year=2014, status="exited")
    StatusChange.objects.create(
        household=later, from_status="registered", to_status="exited", effective_on=dt.date(YEAR + 1, 1, 20),
        business_year=YEAR + 1, source=StatusSource.EXIT,
    )  # fmt: skip
    StatusChange.objects.create(
        household=returned, from_status="exited", to_status="registered", effective_on=dt.date(YEAR + 1, 3, 1),
        business_year=YEAR + 1, source=StatusSource.RETURN,
    )  # fmt: skip
    Household.objects.filter(pk=later.pk).update(status="exited")
    Household.objects.filter(pk=returned.pk).update(status="registered")
    Member.objects.filter(household__in=[later, returned], relationship="spouse").update(
        serious_illness_insurance=False
    )
    HouseholdYear.objects.filter(household__in=[later, returned]).update(house_grade="D")
    assert found("Q16", scope) == {spouse_of(returned).pk}
    assert found("Q18", scope) == {returned.pk}
    assert later.pk not in found("Q17", scope)
    next_year = Scope(region_code=scope.region_code, year=YEAR + 1, line=scope.line, today=scope.today)
    assert spouse_of(later).pk in found("Q16", next_year) and spouse_of(returned).pk not in found(
        "Q16", next_year
    )
