"""The trend by year counts each year as it stood at its end: the status by business year from the history
(an exit announced in January counts in the year before) and monitoring open on 31 December — not today's
status, which would give every year the same answer."""

import datetime as dt

import pytest

from jingzhun.analytics import selectors
from jingzhun.analytics.services import rollup_refresh
from jingzhun.registry.models import Household, Monitoring, StatusSource
from jingzhun.registry.status import status_change
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B

FIRST, SECOND = 2016, 2017


@pytest.fixture
def two_years(transactional_db, register, settings, tmp_path):
    """Households that entered and exited across two years (two persons each):

    a 在册 from FIRST; b exits in SECOND; c exits by a 公告 of January SECOND+1 that counts in SECOND;
    d exits in SECOND+1 (today: 已脱贫, in both years: 在册); e enters in SECOND; g enters and exits in FIRST and
    is monitored from March SECOND (监测对象 at the end of SECOND only); x never enters.
    """
    settings.SNAPSHOT_DIR = tmp_path
    made = {k: register(VILLAGE_A if k in "abcd" else VILLAGE_B, status="unidentified") for k in "abcdegx"}

    def change(keys, to, year, on, source=StatusSource.PROCEDURE):
        rows = list(Household.objects.filter(pk__in=[made[k].pk for k in keys]))
        status_change(rows, to=to, source=source, business_year=year, effective_on=on)

    change("abcdg", "registered", FIRST, dt.date(FIRST, 6, 1))
    change("g", "exited", FIRST, dt.date(FIRST, 11, 30), StatusSource.EXIT)
    change("b", "exited", SECOND, dt.date(SECOND, 11, 20), StatusSource.EXIT)
    change("c", "exited", SECOND, dt.date(SECOND + 1, 1, 15), StatusSource.EXIT)
    change("e", "registered", SECOND, dt.date(SECOND, 6, 1))
    change("d", "exited", SECOND + 1, dt.date(SECOND + 1, 10, 1), StatusSource.EXIT)
    Monitoring.objects.create(household=made["g"], kind="unstable", started_on=dt.date(SECOND, 3, 1))
    for year in (FIRST, SECOND):
        rollup_refresh(year=year)
    return made


def test_the_trend_counts_each_year_by_its_year_end_status(two_years, users, client):
    trend = dict(selectors.dashboard(user=users["county"], code=COUNTY).trend)
    assert sorted(trend) == [FIRST, SECOND]
    first, second = trend[FIRST], trend[SECOND]
    # FIRST: a b c d 在册, g exited; e not yet in the registry
    assert first["households"] == 5 and first["poor_households"] == 4 and first["poor_persons"] == 8
    assert first["exited_persons"] == 2 and first["monitored_persons"] == 0
    # SECOND: a d e 在册; b exited, c exited by a January 公告 counted in SECOND; g monitored since March
    assert second["households"] == 6 and second["poor_households"] == 3 and second["poor_persons"] == 6
    assert second["exited_persons"] == 4 and second["monitored_persons"] == 2

    # today's statuses would give both years one answer: a e 在册, b c d g 已脱贫 (g monitored now)
    now = Household.objects.filter(pk__in=[h.pk for h in two_years.values()])
    assert now.filter(status__in=("registered", "returned")).count() == 2
    assert now.filter(status="exited").count() == 4

    client.force_login(users["county"])
    charts = client.get(f"/analytics/?region={COUNTY}").context["charts"]
    assert charts["trend"]["years"] == [FIRST, SECOND] and charts["trend"]["poor"] == [8, 6]
