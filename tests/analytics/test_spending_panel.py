"""支出进度 on the dashboard (issue 21): the year's funds paid ÷ allocated to the counties per region, carried by the
rollup into the stored figures (county, prefecture, province, country) and shown as a panel beside the time
schedule, linked to the funds' list behind it, with the list of the region's children — above a county the
dashboard reads neither the registry nor the funds' tables. One definition: the dashboard, the funds home page
and the 资金成效 score show the same figure on the same data."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingzhun.analytics import selectors
from jingzhun.analytics.services import rollup_refresh
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.core.panels import provided
from jingzhun.funds import rules, services
from tests.conftest import COUNTY
from tests.funds.conftest import YEAR, chain, finance, paid_household  # noqa: F401 (fixtures)
from tests.funds.test_money_counted_once import _paid

PROVINCE, PREFECTURE = "520000000000", "522600000000"


@pytest.fixture
def spent(transactional_db, chain, finance, paid_household, users):  # noqa: F811
    """600,000 arrived at the county and 200,000 more allocated to it, not arrived yet; 150,000 paid to a household
    (18.75 % of the 800,000 allocated, though 25 % of the money arrived), 50,000 entered but not paid."""
    services.allocations_fix(
        user=users["national"],
        holder=chain["city"],
        amounts={COUNTY: "200000"},
        document_number="州财农〔2026〕6号",
    )
    one = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="150000",
        purpose="产业奖补",
    )  # fmt: skip
    _paid(finance, chain["county"].region, [one])
    services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="50000",
        purpose="产业奖补",
    )  # fmt: skip
    rollup_refresh(year=YEAR)


def test_spending_progress_is_rolled_up_and_shown_as_a_panel(spent, users, client):
    for code in (COUNTY, PREFECTURE, PROVINCE, NATIONAL_CODE):
        place = selectors.dashboard(user=users["national"], code=code, year=YEAR).place
        assert (place.display("funds_allocated"), place.display("funds_paid")) == ("800,000.00", "150,000.00")
    client.force_login(users["national"])
    page = client.get(f"/analytics/?region={PREFECTURE}&year={YEAR}").content.decode()
    panel = page.split('id="spending-panel"')[1].split("</section>")[0]
    assert "支出进度 18.8%" in panel and "雷山县" in panel  # the county among the children listed
    # the figure opens the funds home of the same region and year (its children from this rollup)
    assert f'href="/funds/?year={YEAR}&amp;region={PREFECTURE}" id="spending-link"' in panel


def test_the_panel_shows_the_time_schedule_beside_the_figure(spent, users, client):
    """The share of the year gone (the funds' time schedule) beside 支出进度, and how far behind or ahead."""
    time = rules.time_share(YEAR, timezone.localdate())
    share = Decimal("0.1875")
    client.force_login(users["national"])
    page = client.get(f"/analytics/?region={COUNTY}&year={YEAR}").content.decode()
    schedule = page.split('id="spending-schedule"')[1].split("</p>")[0]
    gap = (abs(share - time) * 100).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    word = "落后于时序进度" if share < time else "快于时序进度"
    assert (
        f"时序进度 {(time * 100).quantize(Decimal('0.1'), rounding='ROUND_HALF_UP')}%，{word} {gap} 个百分点"
        in schedule
    )
    # a past year's schedule is the whole year: 18.8 % paid is 81.2 points behind it
    from jingzhun.analytics.definitions import spending

    past = spending(
        {"funds_allocated_fen": 80000000, "funds_paid_fen": 15000000},
        year=YEAR - 1,
        today=timezone.localdate(),
    )
    assert (past["percent"], past["time_percent"], past["behind"], past["gap"]) == (
        Decimal("18.8"), Decimal("100.0"), True, Decimal("81.3"),
    )  # fmt: skip


def test_one_figure_on_the_dashboard_the_funds_page_and_the_score(spent, users, client):
    """The same county's 支出进度 is the same number everywhere: paid ÷ allocated to the county."""
    client.force_login(users["national"])
    dashboard = client.get(f"/analytics/?region={COUNTY}&year={YEAR}").content.decode()
    funds_page = client.get(f"/funds/?year={YEAR}").content.decode()
    score = provided("county.funds_performance", lambda **_kw: {})(counties=[COUNTY], year=YEAR)[COUNTY]
    on_dashboard = dashboard.split('id="spending-link">支出进度 ')[1].split("%")[0]
    on_funds_page = funds_page.split('id="kpi-share">')[1].split("%")[0]
    assert on_dashboard == on_funds_page == "18.8"
    assert score["value"] == pytest.approx(18.75) and score["allocated"] == Decimal("800000.00")
    # the score's evidence opens the county's own funds page, live, with the same figure
    assert score["url"] == f"/funds/?year={YEAR}&region={COUNTY}"
    county_page = client.get(score["url"]).content.decode()
    assert county_page.split('id="kpi-share">')[1].split("%")[0] == "18.8"


def test_above_a_county_the_panel_reads_no_funds_or_registry_table(spent, users):
    for code in (NATIONAL_CODE, PROVINCE, PREFECTURE):
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard(user=users["national"], code=code, year=YEAR)
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "funds_" not in read and "registry_household" not in read
