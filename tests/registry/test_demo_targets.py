"""``demo-targets``: the demo county's 减贫计划 handed down for every year with exits — province, prefecture,
county, each township — close to what each township achieved, so the pages show real progress (issue 18)."""

import io

import pytest
from django.core.management import call_command

from jingzhun.analytics.demo import seed_population
from jingzhun.regions.models import Region
from jingzhun.registry.demo import TARGET_SPREAD
from jingzhun.registry.models import ReductionTarget
from jingzhun.registry.targets import progress
from tests.conftest import COUNTY


@pytest.fixture
def demo(regions, users):
    call_command("demo-data", region="522634", households=300, seed=5, verbosity=0)
    county = Region.objects.get(code=COUNTY)
    seed_population(county, years=list(range(2014, 2021)), seed=5)
    call_command("demo-villages", stdout=io.StringIO())
    return county


def test_demo_targets_hands_down_every_exit_year_close_to_its_outcome(demo, users):
    out = io.StringIO()
    call_command("demo-targets", stdout=out)
    county_targets = {t.year: t for t in ReductionTarget.objects.filter(region=demo)}
    assert sorted(county_targets) == [y for y in range(2016, 2021) if y in county_targets]
    assert len(county_targets) >= 4 and "下达减贫计划" in out.getvalue()
    assert (
        sum(t.villages for t in county_targets.values()) > 0
    )  # the poor villages' exits of 2017–2020 planned
    for year, target in county_targets.items():
        for code in demo.ancestor_codes:  # the province and the prefecture carry the demo county's plan
            above = ReductionTarget.objects.get(region_id=code, year=year)
            assert (above.persons, above.villages) == (target.persons, target.villages)
        towns = ReductionTarget.objects.filter(region__parent=demo, year=year)
        assert target.persons - 10 < sum(t.persons for t in towns) <= target.persons
        for town in towns:
            p = progress(user=users["county"], region=town.region, target=town)
            if town.persons and p.net > 0:  # within the spread of what the township achieved
                assert 1 / TARGET_SPREAD[1] - 0.05 <= p.rate <= 1 / TARGET_SPREAD[0] + 0.05
        shown = progress(user=users["county"], region=demo, target=target)
        assert shown.rate is not None and 0.8 < shown.rate <= 1.2
    call_command("demo-targets", stdout=out)  # once only
    assert "已有减贫计划，跳过" in out.getvalue()
