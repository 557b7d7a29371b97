"""The year's 减贫计划 on the dashboards (issue 18): the plan handed down to every level and its progress — net
exits in persons from the rollup (by business year, from the status history) and poor villages exited from
identification's village records — at the national, province, prefecture, county and township level; the county's
and township's region pages count the same figures live and agree."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from jingzhun.analytics import selectors
from jingzhun.analytics.models import NATIONAL_CODE
from jingzhun.analytics.services import rollup_refresh
from jingzhun.identification.models import VillageYear
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, ReductionTarget, StatusSource
from jingzhun.registry.status import status_change
from jingzhun.registry.targets import progress, target_set
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B

YEAR = 2018
PROVINCE, PREFECTURE = "520000000000", "522600000000"
# (target persons, target villages, net exits in persons, villages exited) of every level in YEAR
EXPECTED = {
    NATIONAL_CODE: (10, 2, 4, 1),  # the country's plan: its provinces' summed
    PROVINCE: (10, 2, 4, 1),
    PREFECTURE: (8, 1, 4, 1),
    COUNTY: (5, 1, 4, 1),
    TOWN_A: (4, 1, 4, 1),
    TOWN_B: (2, 0, 0, 0),
}


@pytest.fixture
def planned(transactional_db, register, settings, tmp_path):
    """Households of two persons each, registered in 2016: a and b (村A) exit in YEAR, c (村A) exits in YEAR+1,
    d (村B) exits by a 公告 of January YEAR+1 that counts in YEAR, e (村B) stays 在册, f (村B) exited in YEAR−1 and
    returns in YEAR — net exits of YEAR: 4 + 2 − 2 = 4 persons, all in 丹江镇 (4) and none in 西江镇 (2 − 2).
    村A exits as a poor village in YEAR, 村B did in YEAR−1. The plan is handed down at every level."""
    settings.SNAPSHOT_DIR = tmp_path
    made = {k: register(VILLAGE_A if k in "abc" else VILLAGE_B, identified_year=2016) for k in "abcdef"}

    def change(keys, to, year, on, source=StatusSource.EXIT):
        rows = list(Household.objects.filter(pk__in=[made[k].pk for k in keys]))
        status_change(rows, to=to, source=source, business_year=year, effective_on=on)

    change("f", "exited", YEAR - 1, dt.date(YEAR - 1, 11, 1))
    change("ab", "exited", YEAR, dt.date(YEAR, 11, 20))
    change("d", "exited", YEAR, dt.date(YEAR + 1, 1, 15))
    change("f", "returned", YEAR, dt.date(YEAR, 8, 1), StatusSource.RETURN)
    change("c", "exited", YEAR + 1, dt.date(YEAR + 1, 10, 1))
    VillageYear.objects.create(region_id=VILLAGE_A, year=YEAR, status="exited")
    VillageYear.objects.create(region_id=VILLAGE_B, year=YEAR - 1, status="exited")
    for code, (persons, villages, _net, _v) in EXPECTED.items():
        if code != NATIONAL_CODE:
            region = Region.objects.get(code=code)
            target_set(user=None, region=region, year=YEAR, persons=persons, villages=villages)
    rollup_refresh(year=YEAR)
    return made


def test_every_level_shows_its_plan_and_progress(planned, users, client):
    for code, (persons, villages, net, exited) in EXPECTED.items():
        p = selectors.dashboard(user=users["national"], code=code, year=YEAR).plan
        assert (p.target.persons, p.target.villages, p.net, p.exited_villages) == (
            persons,
            villages,
            net,
            exited,
        )
    province = selectors.dashboard(user=users["national"], code=PROVINCE, year=YEAR).plan
    assert province.exited_persons == 6 and province.returned_persons == 2
    assert province.rate_percent == "40.0%" and province.village_rate_percent == "50.0%"
    county = selectors.dashboard(user=users["national"], code=COUNTY, year=YEAR)
    assert {c.code: c.plan.rate_percent for c in county.children} == {TOWN_A: "100.0%", TOWN_B: "0.0%"}
    town_b = selectors.dashboard(user=users["national"], code=TOWN_B, year=YEAR).plan
    assert town_b.rate_percent == "0.0%" and town_b.village_rate is None  # no village to exit: no rate

    client.force_login(users["national"])
    page = client.get(f"/analytics/?region={PREFECTURE}&year={YEAR}").content.decode()
    assert 'id="reduction-plan"' in page and f"{YEAR} 年减贫计划" in page
    assert 'id="plan-persons">8<' in page and 'id="plan-net">4<' in page and 'id="plan-rate">50.0%<' in page
    assert 'id="plan-villages-exited">1<' in page and 'id="plan-village-rate">100.0%<' in page
    excel = client.get(f"/analytics/?region={PREFECTURE}&year={YEAR}&download=plan").content
    rows = {
        r[0]: r[1]
        for r in CalamineWorkbook.from_filelike(io.BytesIO(excel)).get_sheet_by_index(0).to_python()
    }
    assert rows["计划脱贫人数"] == 8 and rows["净脱贫人数"] == 4 and rows["人数完成率"] == "50.0%"
    assert rows["已退出贫困村数"] == 1 and rows["贫困村完成率"] == "100.0%"
    api_client = APIClient()
    api_client.force_authenticate(users["county"])
    api = api_client.get(f"/api/v1/analytics/figures/?region={COUNTY}&year={YEAR}").json()["plan"]
    assert api["target_persons"] == 5 and api["net_persons"] == 4 and api["rate"] == pytest.approx(0.8)
    national = client.get(f"/analytics/?year={YEAR}").content.decode()
    assert 'id="plan-persons">10<' in national and 'id="plan-rate">40.0%<' in national


def test_above_a_county_the_counts_come_from_the_rollup(planned, users):
    """No query of a national, province or prefecture dashboard reads the households or their history: a change
    after the rollup shows there only once rolled up again."""
    for code in (NATIONAL_CODE, PROVINCE, PREFECTURE):
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard(user=users["national"], code=code, year=YEAR)
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "registry_household" not in read and "registry_statuschange" not in read
    e = Household.objects.filter(pk=planned["e"].pk)
    status_change(
        list(e), to="exited", source=StatusSource.EXIT, business_year=YEAR, effective_on=dt.date(YEAR, 12, 1)
    )
    assert selectors.dashboard(user=users["national"], code=PROVINCE, year=YEAR).plan.net == 4
    rollup_refresh(year=YEAR)
    assert selectors.dashboard(user=users["national"], code=PROVINCE, year=YEAR).plan.net == 6


def test_county_and_township_pages_agree_with_their_dashboards(planned, users, client):
    client.force_login(users["county"])
    for code in (COUNTY, TOWN_A, TOWN_B):
        live = progress(user=users["county"], region=Region.objects.get(code=code), year=YEAR)
        rolled = selectors.dashboard(user=users["county"], code=code, year=YEAR).plan
        assert live.target.pk == rolled.target.pk
        assert (live.exited_persons, live.returned_persons, live.exited_villages) == (
            rolled.exited_persons, rolled.returned_persons, rolled.exited_villages,
        )  # fmt: skip
        assert (live.rate_percent, live.village_rate_percent) == (
            rolled.rate_percent,
            rolled.village_rate_percent,
        )
        page = client.get(f"/regions/{code}/?year={YEAR}").content.decode()
        assert f"已净脱贫 {live.net} 人" in page and f"已退出贫困村 {live.exited_villages} 个" in page
        assert f'href="/analytics/?region={code}&amp;year={YEAR}"' in page
    county = client.get(f"/regions/{COUNTY}/?year={YEAR}").content.decode()
    assert "完成率 80.0%" in county and "完成率 100.0%" in county


def test_a_province_page_links_to_its_dashboard_and_a_year_without_plan_says_so(planned, users, client):
    client.force_login(users["national"])
    page = client.get(f"/regions/{PROVINCE}/?year={YEAR}").content.decode()
    assert (
        "计划脱贫 10 人、退出贫困村 2 个" in page and "已净脱贫" not in page
    )  # no live count above a county
    assert f'<a id="targets-dashboard" href="/analytics/?region={PROVINCE}&amp;year={YEAR}">' in page
    ReductionTarget.objects.filter(region_id=TOWN_B).delete()
    shown = client.get(f"/analytics/?region={TOWN_B}&year={YEAR}").content.decode()
    assert 'id="no-plan"' in shown and 'id="plan-rate">—<' in shown and 'id="plan-net">0<' in shown
