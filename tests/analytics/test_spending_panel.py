"""支出进度 on the dashboard (issue 21): the year's funds paid ÷ arrived per region, carried by the rollup into the
stored figures (county, prefecture, province, country) and shown as a panel with the list of the region's
children — above a county the dashboard reads neither the registry nor the funds' tables."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.analytics import selectors
from jingzhun.analytics.services import rollup_refresh
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.funds import services
from tests.conftest import COUNTY
from tests.funds.conftest import YEAR, chain, finance, paid_household  # noqa: F401 (fixtures)
from tests.funds.test_money_counted_once import _paid

PROVINCE, PREFECTURE = "520000000000", "522600000000"


@pytest.fixture
def spent(transactional_db, chain, finance, paid_household):  # noqa: F811
    """600,000 arrived at the county; 150,000 of it paid to a household (25 %), 50,000 entered but not paid."""
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
        assert (place.display("funds_arrived"), place.display("funds_paid"), place.display("spending_progress")) == (
            "600,000.00", "150,000.00", "25.0%",
        )  # fmt: skip
    client.force_login(users["national"])
    page = client.get(f"/analytics/?region={PREFECTURE}&year={YEAR}").content.decode()
    panel = page.split('id="spending-panel"')[1].split("</section>")[0]
    assert "支出进度 25.0%" in panel and "雷山县" in panel  # the county among the children listed


def test_above_a_county_the_panel_reads_no_funds_or_registry_table(spent, users):
    for code in (NATIONAL_CODE, PROVINCE, PREFECTURE):
        with CaptureQueriesContext(connection) as queries:
            selectors.dashboard(user=users["national"], code=code, year=YEAR)
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "funds_" not in read and "registry_household" not in read
