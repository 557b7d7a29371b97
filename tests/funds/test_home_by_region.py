# ruff: noqa: F811 (the fixtures imported from their modules are named as parameters)
"""The funds home page at every level (issue 21): a national, provincial or city finance user sees 支出进度 per
child region read from the analytics rollup (the dashboard's own figures, "数据汇总于 …"), lagging ones marked and
counted, each row leading one level down, down to a county's live rows per fund; a code outside the reader's
scope is 404; no rollup yet is an empty state saying what to do."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.analytics import selectors as analytics
from jingzhun.funds import rules
from jingzhun.funds.choices import PaymentStatus
from jingzhun.funds.models import Payment
from jingzhun.regions.models import Region
from tests.analytics.test_spending_panel import PREFECTURE, PROVINCE, spent  # noqa: F401 (fixture)
from tests.conftest import COUNTY, make_user
from tests.funds.conftest import YEAR, chain, finance, paid_household  # noqa: F401 (fixtures)


@pytest.fixture
def province_finance(regions):
    return make_user("province_finance", Role.FINANCE, Region.objects.get(code=PROVINCE))


def _lagging() -> bool:
    return Decimal("0.1875") < rules.time_share(YEAR, timezone.localdate())


def test_a_province_sees_its_cities_from_the_rollup_and_drills_down_to_a_county(
    spent, province_finance, client
):
    client.force_login(province_finance)
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert "数据汇总于" in page
    row = page.split(f'id="region-{PREFECTURE}"')[1].split("</tr>")[0]
    assert "黔东南苗族侗族自治州" in row or "黔东南" in row
    assert "800000.00" in row and "150000.00" in row and "18.8%" in row
    assert ("落后于时序进度" in row) == _lagging()
    kpis = page.split('id="progress-kpis"')[1].split("</div>\n</div>")[0]
    assert f'id="kpi-lagging">{1 if _lagging() else 0}<' in kpis
    # the row leads to the prefecture's counties, then to the county's live rows per fund
    assert f'href="?region={PREFECTURE}&amp;year={YEAR}"' in row
    city = client.get(f"/funds/?region={PREFECTURE}&year={YEAR}").content.decode()
    county_row = city.split(f'id="region-{COUNTY}"')[1].split("</tr>")[0]
    assert (
        "雷山县" in county_row
        and "800000.00" in county_row
        and f'href="?region={COUNTY}&amp;year={YEAR}"' in county_row
    )
    assert f'href="?region={PROVINCE}&amp;year={YEAR}"' in city  # the way back up
    county = client.get(f"/funds/?region={COUNTY}&year={YEAR}").content.decode()
    table = county.split('id="progress"')[1].split("</table>")[0]
    assert "中央衔接资金" in table and "150000.00" in table  # per fund, live, with the industry share column
    assert "产业发展占比" in county


def test_a_payment_after_the_rollup_shows_live_at_the_county_only(spent, province_finance, client):
    """Above a county the page is the rollup's (as the dashboard); the county's own rows are counted live."""
    Payment.objects.filter(status=PaymentStatus.PENDING).update(
        status=PaymentStatus.PAID, paid_on=dt.date(YEAR, 1, 2)
    )
    client.force_login(province_finance)
    above = client.get(f"/funds/?region={PREFECTURE}&year={YEAR}").content.decode()
    assert "150000.00" in above.split(f'id="region-{COUNTY}"')[1].split("</tr>")[0]
    county = client.get(f"/funds/?region={COUNTY}&year={YEAR}").content.decode()
    assert "200000.00" in county.split('id="progress"')[1].split("</table>")[0]


def test_the_same_figure_on_the_dashboard_and_the_funds_home(spent, users, client):
    for code in (PROVINCE, PREFECTURE):
        place = analytics.dashboard(user=users["national"], code=code, year=YEAR).place
        client.force_login(users["national"])
        dash = client.get(f"/analytics/?region={code}&year={YEAR}").content.decode()
        panel = dash.split('id="spending-panel"')[1].split("</section>")[0]
        share = analytics.definitions.spending(place.parts, year=YEAR, today=timezone.localdate())["percent"]
        assert f"支出进度 {share}%" in panel
        # the dashboard's figure links to the funds home of the same region, which shows the same figure
        assert f'href="/funds/?year={YEAR}&amp;region={code}" id="spending-link"' in panel
        funds = client.get(f"/funds/?year={YEAR}&region={code}").content.decode()
        assert f'id="kpi-share">{share}%<' in funds
        assert f'id="kpi-paid">{place.display("funds_paid").replace(",", "")}<' in funds


def test_a_code_outside_the_scope_or_malformed_is_404(spent, province_finance, client):
    Region.objects.create(code="530000000000", name="云南省", level=1)
    client.force_login(province_finance)
    for code in ("530000000000", "53", "000000000000", "52x", "5226341002010000", "522634100201"):
        assert client.get(f"/funds/?region={code}&year={YEAR}").status_code == 404, code
    assert (
        client.get(f"/funds/?region=5226&year={YEAR}").status_code == 200
    )  # a short prefix is the padded code


def test_no_rollup_yet_says_what_to_do(db, chain, province_finance, client):
    client.force_login(province_finance)
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert 'id="no-rollup"' in page and "立即汇总" in page and "每晚自动汇总" in page


def test_a_county_user_keeps_the_live_rows(spent, finance, client):
    client.force_login(finance)
    page = client.get(f"/funds/?year={YEAR}").content.decode()
    assert 'id="progress"' in page and "150000.00" in page and "数据汇总于" not in page
    assert client.get(f"/funds/?region={PREFECTURE}&year={YEAR}").status_code == 404
