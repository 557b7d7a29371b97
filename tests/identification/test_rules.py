"""Identification rules on hand-made households at and around every threshold, and the policy lines."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.core.context import acting_as
from jingzhun.core.models import AuditLog
from jingzhun.identification.rules import identification_verdict
from jingzhun.identification.selectors import poverty_line
from jingzhun.identification.services import poverty_line_set

ON = dt.date(2016, 9, 1)


def person(name="杨文", born=dt.date(1980, 1, 1), schooling="none", health="healthy", insured=True):
    return SimpleNamespace(
        name=name, birth_date=born, schooling=schooling, health=health,
        medical_insurance=insured, serious_illness_insurance=insured,
    )  # fmt: skip


def year(grade="B", water=True):
    return SimpleNamespace(house_grade=grade, water_safe=water)


def verdict(income, members=None, record=None, gaps_qualify=False):
    return identification_verdict(
        per_capita_net=income,
        line=Decimal("2952"),
        members=members or [person()],
        year=record or year(),
        on=ON,
        gaps_qualify=gaps_qualify,
    )


@pytest.mark.parametrize(
    ("income", "below"),
    [(Decimal("2951.99"), True), (Decimal("2952.00"), False), (Decimal("2952.01"), False)],
)
def test_income_exactly_at_the_line_is_not_below_it(income, below):
    result = verdict(income)
    assert result.income_below_line is below and result.qualifies is below
    if below:
        assert "2951.99" in result.reasons[0].message and "2952.00" in result.reasons[0].message


@pytest.mark.parametrize(
    ("born", "schooling", "health", "gap"),
    [
        (dt.date(2001, 9, 1), "none", "healthy", True),  # 15 on the day, out of school
        (dt.date(2000, 8, 31), "none", "healthy", False),  # turned 16 the day before
        (dt.date(2010, 9, 2), "none", "healthy", False),  # 5: not yet of school age
        (dt.date(2001, 9, 1), "grade_9", "healthy", False),  # 15, in school
        (dt.date(2005, 1, 1), "none", "disabled", True),  # 11, physical reasons: still listed, 送教上门
    ],
)
def test_compulsory_education_for_ages_6_to_15(born, schooling, health, gap):
    result = verdict(Decimal("5000"), members=[person(), person("杨小", born, schooling, health)])
    assert [r.code for r in result.reasons] == (["education"] if gap else [])
    if gap and health == "disabled":
        assert "送教上门" in result.reasons[0].message


def test_dangerous_house_uninsured_member_and_unsafe_water_are_each_a_reason():
    result = verdict(
        Decimal("5000"), members=[person(), person("杨二", insured=False)], record=year("C", False)
    )
    assert {r.code for r in result.reasons} == {"medical", "housing", "water"}
    # income is the basic test: the gaps are considerations for the deliberation, not qualification by themselves
    assert not result.income_below_line and not result.qualifies and len(result.gaps) == 3
    # unless the province's policy says a gap qualifies on its own
    assert verdict(Decimal("5000"), record=year("C"), gaps_qualify=True).qualifies
    assert any("杨二" in r.message and "大病保险" in r.message for r in result.reasons)
    assert verdict(Decimal("5000"), record=year("D")).reasons[0].code == "housing"
    assert not verdict(Decimal("5000"), record=year("A")).reasons


def test_missing_income_is_a_reason_not_a_pass():
    missing = verdict(None)
    assert missing.reasons[0].code == "income" and not missing.income_below_line


def test_national_lines_are_loaded_and_a_province_may_only_raise_its_own(users, regions):
    guizhou = "520000000000"
    assert poverty_line(year=2016, region_code="522634100201").amount == Decimal("2952")
    assert poverty_line(year=2017, region_code="522634100201") is None  # not confirmed: left to enter
    with pytest.raises(PermissionDenied):
        poverty_line_set(user=users["county"], year=2016, province=guizhou, amount=Decimal("3100"))
    with pytest.raises(ValidationError, match="不能低于"):
        poverty_line_set(user=users["national"], year=2016, province=guizhou, amount=Decimal("2900"))
    with acting_as(users["national"], source="test"):
        poverty_line_set(user=users["national"], year=2016, province=guizhou, amount=Decimal("3100"))
    assert poverty_line(year=2016, region_code="522634100201").amount == Decimal("3100")
    assert poverty_line(year=2016, region_code="110101001001").amount == Decimal("2952")
    assert AuditLog.objects.filter(model="identification.povertyline", actor=users["national"]).count() == 1
