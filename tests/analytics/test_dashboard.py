"""The dashboards: what each level sees, the figures against the registry, drill-down, the lists behind the
numbers, Excel downloads, the API, and the refresh run by the real task worker."""

import io
import json

import pytest
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from jingzhun.analytics.models import NATIONAL_CODE, RegionFigures, RuralPopulation
from jingzhun.analytics.services import rollup_refresh
from jingzhun.regions.models import Region
from tests.analytics.conftest import YEAR
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, run_worker


@pytest.fixture
def rolled(small_registry, settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path
    for code, persons in ((VILLAGE_A, 40), (VILLAGE_B, 60)):
        RuralPopulation.objects.create(region=Region.objects.get(code=code), year=YEAR, persons=persons)
    rollup_refresh(year=YEAR)
    return small_registry


def test_empty_state_before_any_rollup(client, users):
    client.force_login(users["county"])
    page = client.get("/analytics/").content.decode()
    assert 'id="no-figures"' in page and "还没有汇总数据" in page
    assert "立即汇总" not in page  # only national administrators recompute the country


def test_county_user_sees_the_county_and_its_townships_only(client, users, rolled):
    client.force_login(users["county"])
    page = client.get("/analytics/").content.decode()
    assert "雷山县" in page and "丹江镇" in page and "西江镇" in page
    assert 'id="key-figures"' in page and "5 人" in page  # 现有贫困人口: H1, H3, H4
    assert "5.00%" in page  # 贫困发生率 = 5 poor persons ÷ 100 rural population
    assert client.get(f"/analytics/?region={NATIONAL_CODE}").status_code == 404
    assert client.get("/analytics/?region=520000000000").status_code == 404
    assert client.get("/analytics/?region=522601000000").status_code == 404  # another county (凯里市)
    assert client.get("/analytics/?region=bad").status_code == 404


def test_township_user_drills_down_to_its_villages_only(client, users, rolled):
    client.force_login(users["town_a"])
    page = client.get("/analytics/").content.decode()
    assert "丹江镇" in page and "西江镇" not in page
    assert client.get(f"/analytics/?region={TOWN_B}").status_code == 404
    assert client.get(f"/analytics/?region={COUNTY}").status_code == 404
    village = client.get(f"/analytics/?region={VILLAGE_A}").content.decode()
    assert "2 人" in village  # H1's two persons; H2 has exited


def test_national_user_sees_all_and_the_breadcrumbs(client, users, rolled):
    client.force_login(users["national"])
    page = client.get("/analytics/").content.decode()
    assert "全国" in page and "贵州省" in page
    county = client.get(f"/analytics/?region={COUNTY}&year={YEAR}").content.decode()
    assert f'href="?region={NATIONAL_CODE}&year={YEAR}"' in county and "贵州省" in county
    assert "立即汇总" not in county and "重新汇总" in county


def test_the_list_behind_a_number_holds_the_counted_households(client, users, rolled):
    client.force_login(users["county"])
    page = client.get("/analytics/").content.decode()
    listing = client.get(f"/households/?region={COUNTY}&status=poor").content.decode()
    assert "/households/?region=522634000000&amp;status=poor" in page
    for key in ("h1", "h3", "h4"):
        assert rolled[key].number in listing
    for key in ("h2", "h5"):
        assert rolled[key].number not in listing
    causes = client.get(f"/households/?region={COUNTY}&status=poor&main_cause=education").content.decode()
    assert rolled["h3"].number in causes and rolled["h1"].number not in causes


def test_every_table_downloads_as_excel(client, users, rolled):
    client.force_login(users["county"])
    response = client.get(f"/analytics/?region={COUNTY}&year={YEAR}&download=children")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["区划代码", "名称"]
    assert {r[1] for r in rows[1:]} >= {"丹江镇", "西江镇"}
    book = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/analytics/?download=all").content))
    assert {"关键指标", "下级区域", "主要致贫原因", "年度趋势"} <= set(book.sheet_names)
    assert client.get("/analytics/?download=nothing").status_code == 404


def test_api_figures_scoped_and_validated(users, rolled):
    api = APIClient()
    api.force_authenticate(users["town_a"])
    data = api.get("/api/v1/analytics/figures/").json()
    assert data["region"]["code"] == TOWN_A and data["region"]["values"]["poor_persons"] == 2
    assert [c["code"] for c in data["children"]] == [VILLAGE_A]
    assert api.get(f"/api/v1/analytics/figures/?region={VILLAGE_B}").status_code == 404
    assert api.get("/api/v1/analytics/figures/?region=x").status_code == 400
    api.force_authenticate(users["national"])
    national = api.get(f"/api/v1/analytics/figures/?year={YEAR}").json()
    assert national["region"]["code"] == NATIONAL_CODE and national["children"][0]["name"] == "贵州省"
    assert national["region"]["causes"]["education"] == 1


def test_refresh_is_for_national_administrators_and_runs_in_the_worker(
    client, users, rolled, tmp_path, monkeypatch
):
    client.force_login(users["county"])
    assert client.post("/analytics/refresh/").status_code == 403
    RegionFigures.objects.all().delete()
    client.force_login(users["national"])
    assert client.post("/analytics/refresh/").status_code == 302
    monkeypatch.setenv("JINGZHUN_SNAPSHOT_DIR", str(tmp_path / "worker"))
    run_worker(tmp_path / "media")
    stored = RegionFigures.objects.get(year=YEAR, code=COUNTY)
    assert stored.figures["poor_persons"] == 5 and stored.engine == "duckdb"
    assert json.dumps(stored.figures)  # plain JSON, readable by any client


def test_the_dashboard_is_available_in_english(client, users, rolled):
    client.force_login(users["county"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/analytics/"})
    page = client.get("/analytics/").content.decode()
    assert "Regions below" in page and "Poor persons" in page and "Download Excel" in page


def test_the_dashboard_counts_the_poor_villages_of_the_year_it_describes(client, users, rolled):
    from jingzhun.identification.choices import VillageStatus
    from jingzhun.identification.models import VillageYear

    VillageYear.objects.create(region_id=VILLAGE_A, year=YEAR - 2, status=VillageStatus.POOR)
    VillageYear.objects.create(region_id=VILLAGE_B, year=YEAR - 2, status=VillageStatus.POOR)
    VillageYear.objects.create(region_id=VILLAGE_B, year=YEAR, status=VillageStatus.EXITED)
    client.force_login(users["county"])
    page = client.get(f"/analytics/?region={COUNTY}&year={YEAR}").content.decode()
    assert f"{YEAR} 年度贫困村（个）</dt><dd>1<" in page  # 村 B exited in the year described
    township = client.get(f"/analytics/?region={TOWN_B}&year={YEAR}").content.decode()
    assert f"{YEAR} 年度贫困村（个）</dt><dd>0<" in township


def test_the_dashboard_answers_in_a_fixed_number_of_queries_whatever_the_number_of_regions_below(
    client, users, rolled
):
    """The page's speed does not fall with the size of the region: the region's rows are read once (years,
    the year shown and the trend), its children's once, and adding townships adds rows, not queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["national"])

    def render(code):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/analytics/?region={code}").content.decode()
        figures = [q for q in queries.captured_queries if "analytics_regionfigures" in q["sql"]]
        return page, len(queries.captured_queries), len(figures)

    render(COUNTY)  # what a first request reads once and keeps (the session's user, cached settings)
    _page, before, figure_reads = render(COUNTY)
    assert figure_reads == 2  # the county's rows across years, its townships' rows of the year
    township = RegionFigures.objects.get(code=TOWN_A, year=YEAR)
    for n in range(20):
        code = f"5226348{n:02d}000"
        Region.objects.create(code=code, name=f"新设镇{n}", level=4, parent_id=COUNTY)
        RegionFigures.objects.create(
            year=YEAR, code=code, level=4, parent=COUNTY, figures=township.figures, engine="duckdb",
            computed_at=township.computed_at,
        )  # fmt: skip
    page, after, figure_reads = render(COUNTY)
    assert "新设镇0" in page and "新设镇19" in page
    assert (after, figure_reads) == (before, 2)
    page, _n, figure_reads = render(NATIONAL_CODE)  # the national page reads its rows once too
    assert "全国" in page and figure_reads == 2
