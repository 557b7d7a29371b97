"""The dashboard in a real browser: charts drawn by ECharts from our own static files, a table under every
chart, drill-down by clicking a township."""

import pytest

from jingzhun.analytics.services import rollup_refresh
from tests.analytics.conftest import YEAR, small_registry  # noqa: F401  (the fixture, shared)
from tests.e2e.test_registry_browser import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def rolled(small_registry, settings, tmp_path):  # noqa: F811
    settings.SNAPSHOT_DIR = tmp_path
    rollup_refresh(year=YEAR)


def test_county_dashboard_draws_its_charts_and_drills_down(phone, live_server, users, rolled):
    requested = []
    phone.on("request", lambda r: requested.append(r.url))
    login(phone, live_server, "county")
    phone.goto(f"{live_server.url}/analytics/")
    phone.wait_for_selector("#chart-causes svg")
    assert phone.evaluate("document.body.dataset.chartsDrawn") == "5"
    assert all(url.startswith(live_server.url) for url in requested)  # ECharts from our static files, no CDN
    assert any(url.endswith("/static/vendor/echarts/echarts.min.js") for url in requested)

    phone.click("section.panel:has(#chart-causes) summary")  # the chart's table view
    assert "因病" in phone.inner_text("#table-causes") and "因学" in phone.inner_text("#table-causes")

    with phone.expect_navigation():
        phone.click("#children >> text=丹江镇")
    assert "丹江镇" in phone.inner_text("h1")
    assert phone.inner_text("#key-figures").count("2 人") >= 1  # 现有贫困人口 of 丹江镇: H1's two persons
