"""减贫计划 (issue 18): targets handed down from above a region, progress read from the status history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.regions.models import Region
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, ReductionTarget, StatusSource
from jingzhun.registry.status import status_change
from jingzhun.registry.targets import progress, target_set
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A


def test_a_target_is_handed_down_from_above_and_its_progress_read_from_history(register, users):
    town = Region.objects.get(code=TOWN_A)
    target_set(user=users["county"], region=town, year=2026, persons=10, villages=1)
    with pytest.raises(PermissionDenied, match="须由县级及以上用户办理"):
        target_set(user=users["town_a"], region=town, year=2026, persons=5)
    with pytest.raises(ValidationError, match="下达到省、市、县、乡镇"):
        target_set(user=users["county"], region=Region.objects.get(code=VILLAGE_A), year=2026, persons=5)
    with pytest.raises(ValidationError, match="非负整数"):
        target_set(user=users["county"], region=town, year=2026, persons=-1)
    assert ReductionTarget.objects.get(region=town, year=2026).persons == 10
    exits = [register(status=HouseholdStatus.REGISTERED, identified_year=2016) for _ in range(3)]
    status_change(
        Household.objects.filter(pk__in=[h.pk for h in exits]), to=HouseholdStatus.EXITED,
        source=StatusSource.EXIT, business_year=2026, reason="收入稳定超过标准",
    )  # fmt: skip
    shown = progress(user=users["county"], region=town, year=2026)
    persons = sum(h.member_count for h in exits)
    assert shown.exited_persons == persons and shown.rate == persons / 10
    assert progress(user=users["county"], region=Region.objects.get(code=COUNTY), year=2026).target is None


def test_the_county_hands_down_from_its_page_and_the_township_sees_it(client, users):
    client.force_login(users["county"])
    page = client.get(f"/regions/{COUNTY}/").content.decode()
    assert 'id="targets"' in page and f'value="{TOWN_A}"' in page
    client.post("/targets/", {"region": TOWN_A, "year": dt.date.today().year, "persons": 40, "villages": 0})
    client.force_login(users["town_a"])
    shown = client.get(f"/regions/{TOWN_A}/").content.decode()
    assert "计划脱贫 40 人" in shown and f'value="{VILLAGE_A}"' not in shown  # no form for its villages
