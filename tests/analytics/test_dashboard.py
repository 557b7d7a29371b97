"""The dashboards: what each level sees, the figures against the registry, drill-down, the lists behind the
numbers, Excel downloads, the API, and the refresh run by the real task worker."""

import io
import json
import re

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
    # every download link of a page names the region and year shown, not the reader's home and latest year
    page = client.get(f"/analytics/?region={COUNTY}&year={YEAR}").content.decode()
    shown = f"?region={COUNTY}&amp;year={YEAR}&download="
    for name in ("all", "plan", "children", "causes"):
        assert shown + name in page, name
    assert "?&download=" not in page


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
    # written directly (issue 24), the answer is what the serializer describing it in the schema would write
    from jingzhun.analytics import api as figures_api
    from jingzhun.analytics.selectors import dashboard

    d = dashboard(user=users["national"], year=YEAR)
    described = figures_api.FiguresSerializer({
        "year": d.year, "years": d.years, "region": figures_api._place(d.place, detail=True),
        "children": [figures_api._place(c) for c in d.children], "plan": figures_api._plan(d.plan),
        "computed_at": d.computed_at,
    }).data  # fmt: skip
    assert national == json.loads(json.dumps(described))


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


def _children_table(page: str) -> str:
    return page[page.index('<table class="cards" id="children">') :].split("</table>", 1)[0]


def test_a_recomputed_rollup_is_shown_at_once_not_the_cached_panels(client, users, rolled):
    """The panels drawn from the rollup are cached (``views.rollup_panels``) under the rows' ``computed_at``: a
    recompute that changes a township's figures shows them on the next request, in the children's table and the
    chart data alike, though the page before was served from the cache."""
    client.force_login(users["county"])
    url = f"/analytics/?region={COUNTY}&year={YEAR}"
    panels = "analytics/_rollup_panels.html"
    response = client.get(url)
    first = response.content.decode()
    assert _children_table(first).count("5.00%") == 2  # both townships: 2 ÷ 40 and 3 ÷ 60
    assert panels in [t.name for t in response.templates]
    cached = client.get(url)  # served again from the cache: not rendered, the same panels
    assert panels not in [t.name for t in cached.templates]
    assert _children_table(cached.content.decode()) == _children_table(first)
    RuralPopulation.objects.filter(region_id=VILLAGE_A, year=YEAR).update(persons=50)
    rollup_refresh(year=YEAR)  # the nightly recompute: new rows, a new computed_at
    response = client.get(url)
    assert panels in [t.name for t in response.templates]
    again = response.content.decode()
    table = _children_table(again)
    assert "4.00%" in table and table.count("5.00%") == 1  # 丹江镇: 2 ÷ 50; 西江镇 unchanged
    charts = json.loads(
        again.split('<script id="chart-data" type="application/json">', 1)[1].split("</script>")[0]
    )
    assert 4.0 in charts["children"]["incidence"]
    # the English page is cached apart: the same figures, its own words
    client.post("/i18n/setlang/", {"language": "en", "next": "/analytics/"})
    english = client.get(url).content.decode()
    assert "Regions below" in english and "4.00%" in _children_table(english)


def test_the_national_page_and_api_read_a_fixed_number_of_queries_whatever_the_number_of_provinces(
    client, users, rolled
):
    """The national view does as little as a county's: its rows, its provinces' rows, their names and their
    减贫计划 once each — the country's plan summed from the same read — however many provinces; its 计划脱贫人数 is
    every province's plan, with or without a rollup row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingzhun.registry.models import ReductionTarget

    client.force_login(users["national"])
    api = APIClient()
    api.force_authenticate(users["national"])

    def read(path, reader=client):
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(path)
        assert response.status_code == 200
        return response, len(queries.captured_queries)

    read("/analytics/")  # what a first request reads once and keeps
    _page, page_queries = read("/analytics/")
    _api, api_queries = read("/api/v1/analytics/figures/", api)
    province = RegionFigures.objects.get(code="520000000000", year=YEAR)
    ReductionTarget.objects.create(year=YEAR, region_id="520000000000", persons=300, villages=2)
    for n in range(1, 11):  # ten more provinces with rows, plans and no village of their own
        code = f"{10 + n}0000000000"
        Region.objects.create(code=code, name=f"测试省{n}", level=1)
        RegionFigures.objects.create(
            year=YEAR, code=code, level=1, parent=NATIONAL_CODE, figures=province.figures, engine="duckdb",
            computed_at=province.computed_at,
        )  # fmt: skip
        ReductionTarget.objects.create(year=YEAR, region_id=code, persons=n, villages=0)
    Region.objects.create(code="650000000000", name="无汇总省", level=1)  # a plan, no rollup row
    ReductionTarget.objects.create(year=YEAR, region_id="650000000000", persons=1000, villages=1)
    page, after = read("/analytics/")
    text = page.content.decode()
    assert "测试省1<" in text and "测试省10<" in text and after == page_queries
    assert re.search(r"id=\"plan-persons\">1,?355<", text)  # 300 + (1 + … + 10) + 1,000
    figures, api_after = read("/api/v1/analytics/figures/", api)
    data = figures.json()
    assert len(data["children"]) == 11 and api_after == api_queries
    assert data["plan"]["target_persons"] == 1355 and data["plan"]["target_villages"] == 3
