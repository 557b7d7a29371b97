"""The county exit check: 综合贫困发生率 from the rollup and the estimates, each condition against the policy's
threshold (a western province's own 3 %), its interval beside it, 暂无数据 where a figure is missing."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jingzhun.analytics.models import RegionFigures
from jingzhun.assessment import rules, services
from jingzhun.assessment.models import (
    AssessmentPolicy,
    CountyExitStep,
    Estimate,
    ExitNotice,
    PoorCounty,
    Sample,
)
from jingzhun.regions.models import Region

from .conftest import PROVINCE, province_sample

PARTS = {
    "rural_population": 100_000,
    "poor_persons": 1_000,
    "persons": 20_000,
    "status_exited_persons": 15_000,
}


def test_the_combined_incidence_and_the_four_conditions():
    policy = AssessmentPolicy()  # the defaults: 2 %, 2 %, 2 %, 90 %
    estimates = {
        "missed": (0.01, 0.0, 0.03),
        "wrong_exit": (0.0, 0.0, 0.02),
        "satisfaction": (0.93, 0.9, 0.96),
    }
    incidence, wrong, missed, satisfaction = rules.exit_check(parts=PARTS, estimates=estimates, policy=policy)
    # (1,000 + 1 % × 80,000 non-registered + 0 × 15,000 exited) ÷ 100,000 = 1.8 %
    assert incidence.value == pytest.approx(1.8) and incidence.passed
    assert incidence.low is None  # no design-based interval given: none shown (never the endpoints added up)
    with_interval = rules.exit_check(
        parts=PARTS, estimates={**estimates, "incidence": (0.018, 0.012, 0.027)}, policy=policy
    )[0]
    assert (with_interval.low, with_interval.high) == pytest.approx((1.2, 2.7))  # shown beside
    assert wrong.value == 0 and wrong.passed and missed.passed and satisfaction.passed
    failing = rules.exit_check(
        parts=PARTS, estimates={**estimates, "satisfaction": (0.89, 0.85, 0.93)}, policy=policy
    )
    assert not failing[3].passed and "不低于 90%" in failing[3].rule


def test_without_estimates_the_check_says_no_data():
    conditions = rules.exit_check(parts=PARTS, estimates={}, policy=AssessmentPolicy())
    assert all(c.value is None and not c.passed for c in conditions)
    assert "暂无数据" in conditions[0].facts


def test_the_county_page_by_policy_of_its_province(client, users, county):
    year = 2026
    RegionFigures.objects.create(year=year, code=county.code, level=3, parent=county.parent_id,
                                 figures={**PARTS, "poor_persons": 2_500}, engine="duckdb", computed_at=timezone.now())  # fmt: skip
    sample = Sample.objects.create(county=county, year=year, purpose="accuracy", seed=1, villages=2,
                                   households_per_village=10)  # fmt: skip
    common = {"sample": sample, "se": 0, "units": 40, "n_eff": 30, "psus": 2, "strata": 1, "numerator": 0,
              "denominator": 40, "method": "test"}  # fmt: skip
    Estimate.objects.create(kind="missed", point=0.0, low=0, high=0.05, **common)
    Estimate.objects.create(kind="wrong_exit", point=0.0, low=0, high=0.05, **common)
    Estimate.objects.create(kind="satisfaction", point=0.95, low=0.9, high=0.99, **common)
    url = reverse("assessment:county", kwargs={"code": county.code, "year": year})
    client.force_login(users["county_viewer"])
    page = client.get(url).content.decode()
    assert "2.50%" in page and "暂不符合退出条件" in page  # 2.5 % is not below the national 2 %
    services.assessment_policy_set(user=users["national"], year=2020, province=PROVINCE, exit_incidence=3)
    page = client.get(url).content.decode()
    assert "低于 3%" in page and "各项条件均已达到" in page  # Guizhou is western: 3 %


def _county_data(county, *, poor):
    year = 2026
    PoorCounty.objects.create(county=county, year=year, kind="national")  # on the year's list
    RegionFigures.objects.create(year=year, code=county.code, level=3, parent=county.parent_id,
                                 figures={**PARTS, "poor_persons": poor}, engine="duckdb", computed_at=timezone.now())  # fmt: skip
    sample = Sample.objects.create(county=county, year=year, purpose="accuracy", seed=1, villages=2,
                                   households_per_village=10)  # fmt: skip
    common = {"sample": sample, "se": 0, "units": 40, "n_eff": 30, "psus": 2, "strata": 1, "numerator": 0,
              "denominator": 40, "method": "test"}  # fmt: skip
    for kind, point in (("missed", 0.0), ("wrong_exit", 0.0), ("satisfaction", 0.95)):
        Estimate.objects.create(kind=kind, point=point, low=0, high=min(1, point + 0.05), **common)
    return year


def test_the_exit_procedure_from_proposal_to_approval(client, users, county, regions, assessor, frame):
    from jingzhun.accounts.choices import Role
    from tests.conftest import make_user

    year = _county_data(county, poor=1_500)  # 1.5 %: below 2 %
    city = make_user("city", Role.OPERATOR, county.parent)
    province = make_user("province", Role.OPERATOR, Region.objects.get(code=PROVINCE))
    with pytest.raises(ValidationError, match="当前应办理「县级提出退出申请」"):
        services.county_exit_take(user=city, county=county, year=year, kind="city")
    with pytest.raises(PermissionDenied, match="须由县级用户办理"):
        services.county_exit_take(user=city, county=county, year=year, kind="propose")
    step = services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    assert [c["passed"] for c in step.conditions] == [True] * 4
    services.county_exit_take(user=city, county=county, year=year, kind="city")
    province_sample(province=province, assessor=assessor, county=county, year=year)  # its own field check
    client.force_login(province)
    url = reverse("assessment:county", kwargs={"code": county.code, "year": year})
    for kind in ("province_check", "publicity"):
        assert client.post(url, {"kind": kind, "passed": "yes"}).status_code == 302
    # the 公示 runs its days first (tests/assessment/test_exit_publicity.py)
    ExitNotice.objects.update(
        starts_on=timezone.localdate() - dt.timedelta(days=8),
        last_day=timezone.localdate() - dt.timedelta(days=1),
    )
    assert client.post(url, {"kind": "approve", "passed": "yes"}).status_code == 302
    page = client.get(url).content.decode()
    assert "省政府批准退出：通过" in page and "下一环节：国家抽查" in page


def test_a_proposal_is_refused_while_a_condition_fails(users, county, regions):
    year = _county_data(county, poor=2_500)  # 2.5 %: not below the national 2 %
    with pytest.raises(ValidationError, match=re.escape("「综合贫困发生率」2.50%，未达到标准（低于 2%）")):
        services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    assert not CountyExitStep.objects.exists()
    with pytest.raises(ValidationError, match="请说明理由"):
        services.county_exit_take(
            user=users["county"], county=county, year=year, kind="propose", passed=False
        )
