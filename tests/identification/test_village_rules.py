"""The poor-village rules at and around every threshold (pure: no database): exit below 2 % (西部 3 %), "below"
strict or inclusive as the policy says, the checklist; designation 一高一低一无 at exactly 2× and exactly 60 %."""

from decimal import Decimal

import pytest

from jingzhun.identification.models import VillagePolicy
from jingzhun.identification.rules import designation_verdict, village_exit_verdict

ALL_MET = {
    "collective_income": True,
    "road": True,
    "power": True,
    "water": True,
    "clinic": True,
    "broadband": True,
}


def policy(**values) -> VillagePolicy:
    """The national defaults (2×, 60 %, 一无, 2 % / west 3 %, strictly below) with ``values`` over them."""
    return VillagePolicy(
        year=2014, province_incidence_percent=Decimal("10"), province_income=Decimal("6000"), **values
    )


def exit_(poor, population=10_000, *, west=False, checklist=None, **values):
    return village_exit_verdict(
        poor_persons=poor, population=population, checklist=ALL_MET if checklist is None else checklist,
        policy=policy(**values), west=west,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("poor", "inclusive", "met"),
    [
        (199, False, True),  # 1.99 % < 2 %
        (200, False, False),  # 2.00 % is not below 2 %
        (200, True, True),  # 降至 2 %: the threshold itself counts
        (201, True, False),  # 2.01 % is above it either way
        (199, True, True),
    ],
)
def test_exit_at_two_percent_with_both_inclusivity_settings(poor, inclusive, met):
    verdict = exit_(poor, exit_inclusive=inclusive)
    assert verdict.met is met
    if not met:
        assert any("贫困发生率" in r for r in verdict.reasons)


def test_exactly_at_the_threshold_says_it_must_be_below():
    (reason,) = exit_(200).reasons
    assert "2.00%" in reason and "须低于标准" in reason


@pytest.mark.parametrize(
    ("poor", "west", "inclusive", "met"),
    [
        (250, True, False, True),  # 2.5 % < 3 % in a 西部 province
        (250, False, False, False),  # … but not below 2 % elsewhere
        (300, True, False, False),  # 3.00 % is not below 3 %
        (300, True, True, True),  # 降至 3 %
        (299, True, False, True),
    ],
)
def test_exit_in_the_west_at_three_percent(poor, west, inclusive, met):
    assert exit_(poor, west=west, exit_inclusive=inclusive).met is met


def test_the_thresholds_are_policy_data():
    assert exit_(250, exit_incidence_percent=Decimal("2.5"), exit_inclusive=True).met
    assert not exit_(250, west=True, exit_incidence_percent_west=Decimal("2.5")).met


def test_every_unmet_checklist_item_is_a_reason_in_chinese():
    verdict = exit_(100, checklist={**ALL_MET, "road": False, "clinic": False})
    assert not verdict.met
    assert verdict.reasons == ["通硬化路：未达到或未核查。", "有标准化村卫生室：未达到或未核查。"]
    assert any("已降至退出标准" in f for f in verdict.facts)


def test_a_missing_population_is_a_reason_not_a_guess():
    verdict = exit_(0, population=None)
    assert verdict.reasons[0] == "没有该村该年度的农村户籍人口，无法计算贫困发生率。"


def designate(poor=2_000, population=10_000, income="3599.99", collective="0", **values):
    return designation_verdict(
        poor_persons=poor, population=population, per_capita_income=Decimal(income) if income else None,
        collective_income=Decimal(collective) if collective is not None else None, policy=policy(**values),
    )  # fmt: skip


def test_designation_exactly_twice_the_province_incidence_is_high_enough():
    assert designate(poor=2_000).met  # 20.00 % = 2 × 10 %
    low = designate(poor=1_999)  # 19.99 %
    assert not low.met
    assert low.reasons == ["贫困发生率 19.99%，低于全省 10.00% 的 2 倍（20.00%），不符合“一高”。"]


def test_designation_exactly_sixty_percent_of_the_average_is_not_low():
    assert designate(income="3599.99").met  # just under 60 % of 6,000
    at = designate(income="3600")
    assert not at.met
    assert at.reasons == ["农民人均纯收入 3600.00 元，不低于全省平均的 60%（3600.00 元），不符合“一低”。"]


def test_designation_needs_no_collective_income_unless_the_policy_waives_it():
    verdict = designate(collective="1")
    assert verdict.reasons == ["村集体经济收入 1.00 元，不符合“一无”。"]
    assert designate(collective="1", require_no_collective_income=False).met


def test_designation_factors_are_policy_data():
    assert designate(poor=1_500, incidence_multiple=Decimal("1.5")).met
    assert designate(income="4000", income_ratio_percent=Decimal("70")).met


def test_designation_lists_every_missing_figure():
    verdict = designation_verdict(
        poor_persons=5, population=None, per_capita_income=None, collective_income=None,
        policy=VillagePolicy(year=2014),
    )  # fmt: skip
    assert len(verdict.reasons) == 3 and not verdict.facts


def test_policy_numbers_read_as_written_whatever_the_columns_places():
    (reason,) = designate(
        poor=1_999, incidence_multiple=Decimal("2.00"), income_ratio_percent=Decimal("60.00")
    ).reasons
    assert "的 2 倍（20.00%）" in reason
    (low,) = designate(income="3600", income_ratio_percent=Decimal("60.00")).reasons
    assert "全省平均的 60%（3600.00 元）" in low
