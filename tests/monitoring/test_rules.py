"""The pure rules at and around every threshold: months of monitoring (5 vs 6), income exactly at the line,
the days to confirmation (14, 15, 16), each 风险消除 condition's switch."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.identification.rules import Reason
from jingzhun.monitoring import rules

START = dt.date(2026, 3, 1)
ALL = rules.Conditions()


def verdict(**kw):
    args = dict(
        conditions=ALL, started_on=START, today=dt.date(2026, 9, 1), measures=1, natural=False,
        income=Decimal("6500"), rigid_expenses=Decimal("1000"), line=Decimal("6000"), assurance=[],
    )  # fmt: skip
    args.update(kw)
    return rules.clearance_verdict(**args)


@pytest.mark.parametrize(
    ("day", "months"),
    [
        (dt.date(2026, 8, 31), 5),
        (dt.date(2026, 9, 1), 6),
        (dt.date(2026, 8, 1), 5),
        (dt.date(2027, 3, 1), 12),
    ],
)
def test_whole_months(day, months):
    assert rules.months_between(START, day) == months


def test_five_months_is_refused_six_passes():
    five = verdict(today=dt.date(2026, 8, 31))
    assert not five.passed and five.messages == ["纳入监测仅 5 个月，不满 6 个月。"]
    assert verdict(today=dt.date(2026, 9, 1)).passed


def test_income_exactly_at_the_line_passes_a_cent_below_fails():
    assert verdict(income=Decimal("6000.00")).passed
    below = verdict(income=Decimal("5999.99"))
    assert below.messages == ["人均可支配收入 5999.99 元低于监测标准 6000.00 元。"]


def test_the_income_is_stable_only_if_the_latest_yearly_record_was_not_below_its_line():
    at_line = verdict(earlier=(2025, Decimal("5800.00"), Decimal("5800.00")))
    assert (
        at_line.passed and "2025 年度人均纯收入 5800.00 元，不低于当年监测标准 5800.00 元。" in at_line.facts
    )
    below = verdict(earlier=(2025, Decimal("5799.99"), Decimal("5800.00")))
    assert below.messages == [
        "2025 年度人均纯收入 5799.99 元低于当年监测标准 5800.00 元，收入尚未稳定超过监测标准。"
    ]
    assert verdict(
        earlier=(2025, Decimal("5799.99"), Decimal("5800.00")), conditions=rules.Conditions(income=False)
    ).passed
    assert "无年度收入记录，收入稳定性仅以本次核实为准。" in verdict().facts


def test_no_measure_fails_unless_the_risk_went_away_on_its_own():
    assert verdict(measures=0).messages == ["尚未落实任何帮扶措施（风险自然消除的须如实选择）。"]
    natural = verdict(measures=0, natural=True)
    assert natural.passed and "风险自然消除，未要求落实帮扶措施。" in natural.facts


def test_expenses_above_income_fail_equal_passes():
    assert verdict(rigid_expenses=Decimal("6500")).passed
    assert verdict(rigid_expenses=Decimal("6500.01")).failures[0].code == "expenses"


def test_every_failed_condition_is_named():
    v = verdict(
        today=dt.date(2026, 5, 1), measures=0, income=Decimal("100"), rigid_expenses=None,
        assurance=[Reason("water", "饮水不安全。")],
    )  # fmt: skip
    assert [r.code for r in v.failures] == ["months", "measure", "income", "expenses", "water"]


def test_a_switched_off_condition_is_not_checked():
    off = rules.Conditions(months=False, measure=False)
    assert verdict(conditions=off, today=dt.date(2026, 3, 2), measures=0).passed


@pytest.mark.parametrize(("days", "late"), [(14, 0), (15, 0), (16, 1)])
def test_confirmation_clock(days, late):
    assert rules.overdue(since=START, days=15, today=START + dt.timedelta(days=days)) == late


def test_range_facts_say_what_the_figures_show():
    facts = rules.range_facts(income=Decimal("6000"), rigid_expenses=Decimal("7000"), line=Decimal("6000"))
    assert facts == [
        "人均可支配收入 6000.00 元不低于监测标准 6000.00 元。",
        "人均刚性支出 7000.00 元超过人均可支配收入 6000.00 元。",
    ]
