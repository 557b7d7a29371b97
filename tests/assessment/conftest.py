"""Fixtures of 精准考核: a province assessor, sampling policy as an administrator sets it (small numbers, so a
test county of two villages can give a sample), and a frame of households in both villages of the test county."""

import pytest

from jingzhun.accounts.choices import Role
from jingzhun.assessment import services
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B, make_user, member, new_id

PROVINCE = "520000000000"
YEAR = 2026


@pytest.fixture
def assessor(regions):
    return make_user("assessor", Role.ASSESSOR, Region.objects.get(code=PROVINCE))


@pytest.fixture
def county(regions):
    return regions[COUNTY]


@pytest.fixture
def policy(users):
    return services.sampling_policy_set(user=users["national"], year=2020, min_villages=2, min_households=4)


def _no_labour_members():
    return [
        member(labour="lost"),
        member("spouse", name="吴秀英", id_number=new_id(male=False), labour="none"),
    ]


@pytest.fixture
def frame(register, policy):
    """Per village: 3 registered (one without labour), 2 exited, 3 never registered (未识别) households."""
    made = {}
    for village in (VILLAGE_A, VILLAGE_B):
        rows = [register(region=village) for _ in range(2)]
        rows.append(register(region=village, members=_no_labour_members()))
        rows += [register(region=village, status="exited", identified_year=2015) for _ in range(2)]
        rows += [register(region=village, status="unidentified") for _ in range(3)]
        made[village] = rows
    return made


def all_well(h) -> dict:
    """Every sampled household secure in income, 两不愁三保障 and water, and satisfied."""
    return {"persons": h.persons or 2, "income_ok": True, "food_clothing": True, "education": True, "medical": True,
            "housing": True, "water": True, "satisfied": True}  # fmt: skip


def province_sample(*, province, assessor, county, year=YEAR, answers=all_well, seed=7):
    """The province's own sample for its exit check (省级专项评估检查), drawn by ``province`` after the city's
    review, answered by the assessor through the web form and estimated."""
    sample = services.sample_draw(
        user=province, county=county, year=year, commissioner="province_check", seed=seed
    )
    for h in sample.households.order_by("key"):
        services.survey_record(user=assessor, sample_household=h, **answers(h))
    services.estimates_compute(user=assessor, sample=sample)
    return sample
