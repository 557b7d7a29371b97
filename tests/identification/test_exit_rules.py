"""The exit rule (脱贫退出, DOMAIN.md §8) at and around every threshold: income exactly at the line, one fen below,
the province's higher line, a missing income record, a C/D-grade house and each other 两不愁三保障 gap; and the
rule on the household card."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from jingzhun.identification.rules import exit_verdict
from jingzhun.identification.selectors import exit_check
from jingzhun.identification.services import poverty_line_set
from jingzhun.regions.models import Region
from tests.conftest import PASSWORD, year

ON = dt.date(2026, 9, 1)
LINE = Decimal("4000")


def fit_year(**fields):
    """A 2026 record of a two-person household meeting 两不愁三保障 (A-grade house, safe water)."""
    data = {"year": 2026, "business": "0", "business_expense": "0", "transfer_dibao": "0", "house_grade": "A"}
    return year(**{**data, "water_safe": True, **fields})


def person(name="杨文", born=dt.date(1980, 1, 1), schooling="none", health="healthy", insured=True):
    return SimpleNamespace(
        name=name, birth_date=born, schooling=schooling, health=health,
        medical_insurance=insured, serious_illness_insurance=insured,
    )  # fmt: skip


def record(grade="B", water=True):
    return SimpleNamespace(house_grade=grade, water_safe=water)


def verdict(income, members=None, rec="default", line=LINE):
    return exit_verdict(
        per_capita_net=income,
        line=line,
        members=members or [person()],
        year=record() if rec == "default" else rec,
        on=ON,
    )


@pytest.mark.parametrize(
    ("income", "supported"),
    [
        (Decimal("3999.99"), False),  # one fen below the line
        (Decimal("4000.00"), True),  # exactly at the line: not below it (the mirror of the entry test)
        (Decimal("4000.01"), True),
    ],
)
def test_income_at_the_line_supports_the_exit_one_fen_below_does_not(income, supported):
    result = verdict(income)
    assert result.supported is supported
    if supported:
        assert result.facts[0].startswith(f"人均纯收入 {income:.2f} 元，不低于扶贫标准 4000.00 元")
    else:
        assert [r.code for r in result.blockers] == ["income"]
        assert "3999.99" in result.messages[0] and "低于扶贫标准 4000.00 元" in result.messages[0]


def test_the_entry_and_exit_tests_meet_at_the_line():
    """No household is both poor by income and fit to exit, nor neither: one line, one comparison."""
    from jingzhun.identification.rules import identification_verdict

    for income in (Decimal("3999.99"), Decimal("4000.00"), Decimal("4000.01")):
        entry = identification_verdict(
            per_capita_net=income, line=LINE, members=[person()], year=record(), on=ON
        )
        assert entry.income_below_line is not verdict(income).supported


def test_a_missing_income_record_blocks_the_exit():
    result = verdict(None, rec=None)
    assert not result.supported
    assert "没有该年度收入信息" in result.messages[0]
    assert verdict(None).messages[0].startswith("没有该年度收入信息")  # a record without income either


@pytest.mark.parametrize(("grade", "supported"), [("A", True), ("B", True), ("C", False), ("D", False)])
def test_a_c_or_d_grade_house_blocks_the_exit(grade, supported):
    result = verdict(Decimal("6000"), rec=record(grade=grade))
    assert result.supported is supported
    if not supported:
        assert [r.code for r in result.blockers] == ["housing"]
        assert f"{grade} 级危房" in result.messages[0]


def test_every_gap_is_a_blocker_and_every_reason_is_shown():
    members = [
        person("户主", insured=False),
        person("小明", born=dt.date(2015, 3, 1), schooling="none"),  # 11, out of school
    ]
    result = verdict(Decimal("3000"), members=members, rec=record(grade="C", water=False))
    assert [r.code for r in result.blockers] == ["income", "medical", "education", "housing", "water"]
    assert not result.facts
    text = "".join(result.messages)
    assert "户主 未参加基本医疗保险、大病保险" in text and "小明（11 岁）" in text and "饮水不安全" in text


def test_all_met_says_so():
    assert verdict(Decimal("5000")).facts[-1] == "两不愁三保障和饮水安全均已达到。"


@pytest.mark.django_db
def test_the_province_line_when_higher_decides_the_exit(register, line_2026):
    """A province's own line above the nation's is the one the exit must reach."""
    household = register(years=[fit_year(wage="8100")])
    assert household.years.get(year=2026).per_capita_net == Decimal("4050.00")  # two members
    assert exit_check(household, year=2026).verdict.supported
    poverty_line_set(user=None, year=2026, amount=Decimal("4100"), province="520000000000")
    check = exit_check(household, year=2026)
    assert check.line.amount == Decimal("4100") and not check.verdict.supported
    assert "低于扶贫标准 4100.00 元" in check.verdict.messages[0]


@pytest.mark.django_db
def test_the_exit_answers_for_its_own_year(register, line_2026):
    """An older year's income never stands in for the year of the exit."""
    household = register(years=[year(year=2025, wage="20000")])
    check = exit_check(household, year=2026)
    assert not check.verdict.supported and "没有该年度收入信息" in check.verdict.messages[0]
    assert exit_check(household, year=2027).verdict is None  # no line for 2027 yet


@pytest.mark.django_db
def test_the_card_shows_the_exit_rule_for_households_in_the_registry(client, users, register, line_2026):
    rich = register(years=[fit_year(wage="9000")])
    poor = register(years=[fit_year(wage="1000", house_grade="C")])
    outside = register(status="unidentified")
    client.login(username="village_a", password=PASSWORD)
    page = client.get(f"/households/{rich.pk}/").content.decode()
    assert "脱贫退出标准比对" in page and "该户达到脱贫退出标准（扶贫标准 4000.00 元）" in page
    page = client.get(f"/households/{poor.pk}/").content.decode()
    assert "未达到脱贫退出标准" in page and "低于扶贫标准 4000.00 元" in page and "C 级危房" in page
    assert "脱贫退出标准比对" not in client.get(f"/households/{outside.pk}/").content.decode()
    assert Region.objects.filter(code=rich.region_id).exists()
