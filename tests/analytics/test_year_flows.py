"""逐年变动 above a county (issue 18): entered, exited, returned, cancelled, born, died, came and left by business
year come from the rollup at the national, province and prefecture level, and agree with what the county's
region page counts live from the status history and the 人口变动."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.analytics import selectors
from jingzhun.analytics.models import NATIONAL_CODE
from jingzhun.analytics.services import rollup_refresh
from jingzhun.regions.models import Region
from jingzhun.registry import members as member_services
from jingzhun.registry.models import Household, StatusSource
from jingzhun.registry.selectors import status_flows
from jingzhun.registry.status import status_change
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B, member, new_id

YEAR = 2018
PROVINCE, PREFECTURE = "520000000000", "522600000000"


@pytest.fixture
def flowing(transactional_db, register, settings, tmp_path):
    """In YEAR: a and b enter (a then exits, b is cancelled), c exited the year before and returns, d gets a
    child, loses its head's spouse to death and takes in a bride, e moves its two persons into d (e is then
    cancelled by the move) — every column of the region page has a figure."""
    settings.SNAPSHOT_DIR = tmp_path
    made = {k: register(VILLAGE_A if k in "abc" else VILLAGE_B, identified_year=YEAR - 1) for k in "cde"}
    made |= {k: register(VILLAGE_A, identified_year=YEAR, history_year=YEAR) for k in "ab"}

    def change(key, to, year, source):
        rows = list(Household.objects.filter(pk=made[key].pk))
        status_change(rows, to=to, source=source, business_year=year, effective_on=dt.date(year, 11, 1))

    change("c", "exited", YEAR - 1, StatusSource.EXIT)
    change("c", "returned", YEAR, StatusSource.RETURN)
    change("a", "exited", YEAR, StatusSource.EXIT)
    change("b", "cancelled", YEAR, StatusSource.CANCELLATION)
    d = made["d"]
    on = dt.date(YEAR, 6, 1)
    child = member("son", name="杨新生", id_number=new_id(dt.date(YEAR, 3, 1)))
    member_services.member_birth(user=None, household=d, member=child, effective_on=on)
    spouse = d.members.get(relationship="spouse")
    member_services.member_death(user=None, household=d, member=spouse, died_on=on)
    bride = member("daughter_in_law", name="吴新娘", id_number=new_id(dt.date(1998, 1, 1), male=False))
    member_services.member_marry_in(user=None, household=d, member=bride, effective_on=on)
    e = Household.objects.get(pk=made["e"].pk)
    member_services.members_move(
        user=None, household=e, members=list(e.members.filter(is_active=True)), to_household=d.number,
        relationships={m.pk: "son" for m in e.members.all()}, effective_on=on,
    )  # fmt: skip
    rollup_refresh(year=YEAR)
    return made


def test_every_level_above_a_county_answers_the_counties_flows_from_the_rollup(flowing, users, client):
    (live,) = [
        f
        for f in status_flows(user=users["county"], region=Region.objects.get(code=COUNTY))
        if f.year == YEAR
    ]
    # households: a, b entered; a exited; c returned; b and the emptied e cancelled (e in the move's business
    # year, YEAR). Persons: one born, one died, the bride and e's two came to d, e's two left e.
    assert (live.entered, live.exited, live.returned, live.cancelled) == (2, 1, 1, 2)
    assert (live.born, live.died, live.came, live.left) == (1, 1, 3, 2)
    assert live.net == 0
    for code in (NATIONAL_CODE, PROVINCE, PREFECTURE, COUNTY):
        with CaptureQueriesContext(connection) as queries:
            d = selectors.dashboard(user=users["national"], code=code, year=YEAR)
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "registry_statuschange" not in read and "registry_memberchange" not in read
        (rolled,) = [f for f in d.flows if f.year == YEAR]
        assert rolled == live, code

    client.force_login(users["national"])
    page = client.get(f"/analytics/?region={PROVINCE}&year={YEAR}").content.decode()
    flows = page[page.index('id="year-flows"') :]
    assert "逐年变动（按业务年度）" in flows and f'<td data-label="年度">{YEAR}</td>' in flows
    region_page = client.get(f"/regions/{PREFECTURE}/").content.decode()
    assert 'id="flows"' in region_page and f'<td data-label="年度">{YEAR}</td>' in region_page


def test_a_province_user_sees_only_its_own_flows(flowing, users, client):
    client.force_login(users["county"])
    assert client.get(f"/analytics/?region={PROVINCE}&year={YEAR}").status_code == 404
    assert selectors.region_year_flows(user=users["county"], code=PROVINCE) == []
