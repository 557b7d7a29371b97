"""Indicators on a real registry: snapshot to Parquet, DuckDB, rollups at every level, against hand-computed
values and against the analysts' measures on the same persons."""

import pyarrow.parquet as pq
import pytest

from jingzhun.analytics import definitions
from jingzhun.analytics.models import NATIONAL_CODE, RegionFigures
from jingzhun.analytics.services import rollup_refresh
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.core.measures import alkire_foster, fgt, gini
from jingzhun.registry.choices import COUNTED_STATUSES
from jingzhun.registry.models import Household, Member
from tests.analytics.conftest import LINE, YEAR
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B

# per capita incomes and persons of the households with a record (H1, H2, H3)
INCOMES, PERSONS = [500, 4000, 2000], [2, 3, 2]


@pytest.fixture
def rolled(small_registry, settings, tmp_path):
    settings.SNAPSHOT_DIR = tmp_path
    rollup_refresh(year=YEAR)
    return {f.code: f for f in RegionFigures.objects.filter(year=YEAR)}


def test_snapshot_is_partitioned_by_province_and_typed(small_registry, tmp_path):
    result = write_snapshot(YEAR, root=tmp_path / "snap")
    assert result.rows["households"] == 5 and result.rows["members"] == 9
    assert sorted(p.name for p in (tmp_path / "snap" / "households").iterdir()) == ["province=52"]
    members = pq.read_table(tmp_path / "snap" / "members").to_pylist()
    child = next(m for m in members if m["schooling"] == "none" and m["birth_date"].year == 2005)
    assert child["village"] == VILLAGE_B


def test_county_figures_match_hand_computation_and_the_registry(rolled):
    county = rolled[COUNTY].figures
    assert county["households"] == 4 == Household.objects.filter(status__in=COUNTED_STATUSES).count()
    assert county["persons"] == 8 == Member.objects.filter(household__status__in=COUNTED_STATUSES).count()
    assert county["poor_households"] == 3 and county["poor_persons"] == 5  # H1, H3, H4
    assert county["income_persons"] == 7 and county["income_poor_persons"] == 4
    v = definitions.derive(county)
    assert v["fgt0"] == pytest.approx(100 * 4 / 7)
    assert v["fgt1"] == pytest.approx((2 * 2500 / 3000 + 2 * 1000 / 3000) / 7)
    assert v["fgt1"] == pytest.approx(fgt(INCOMES, LINE, 1, PERSONS))
    assert v["fgt2"] == pytest.approx(fgt(INCOMES, LINE, 2, PERSONS))
    assert v["mean_income"] == pytest.approx((1000 + 12000 + 4000) / 7)
    assert county["gini"] == pytest.approx(gini(INCOMES, PERSONS))
    assert (
        county["cause_illness"] == 1 and county["cause_education"] == 1 and county["cause_lack_labour"] == 1
    )
    assert county["attribute_dibao"] == 1 and county["attribute_general"] == 2
    assert v["incidence"] is None  # no rural population recorded: no made-up incidence


def test_the_years_exits_and_returns_are_counted_by_business_year(rolled):
    """The 减贫计划's flows: H2 exited in YEAR (3 persons); H3 exited the year before and returned in YEAR."""
    a, b, county = (rolled[c].figures for c in (VILLAGE_A, VILLAGE_B, COUNTY))
    assert a["year_exited_persons"] == 3 and a["year_exited_households"] == 1
    assert b.get("year_exited_persons", 0) == 0 and b["year_returned_persons"] == 2
    assert county["year_exited_persons"] == 3 and county["year_returned_persons"] == 2


def test_alkire_foster_agrees_with_the_measure(rolled):
    v = definitions.derive(rolled[COUNTY].figures)
    # columns: income, 吃穿 (binary), education, health, housing, water (1 = not deprived)
    matrix = [[500, 0, 1, 1, 1, 1], [4000, 1, 1, 1, 1, 0], [2000, 1, 0, 0, 1, 1]]
    af = alkire_foster(matrix, [LINE, 1, 1, 1, 1, 1], [1] * 6, 1 / 3, population=PERSONS)
    assert list(af.poor) == [True, False, True]  # H2 lacks only safe water
    assert v["af_h"] == pytest.approx(100 * af.H) and v["af_a"] == pytest.approx(af.A)
    assert v["af_m0"] == pytest.approx(af.M0)
    assert v["af_m1"] == pytest.approx(af.M1) and v["af_m2"] == pytest.approx(af.M2)
    county = rolled[COUNTY].figures
    assert county["deprived_education_persons"] == 2 and county.get("af_water_persons", 0) == 0


def test_every_level_sums_its_children(rolled):
    assert rolled[VILLAGE_A].figures["households"] == 2 and rolled[VILLAGE_B].figures["households"] == 2
    assert rolled[TOWN_A].parent == COUNTY and rolled[VILLAGE_B].parent == TOWN_B
    assert rolled[NATIONAL_CODE].level == 0 and rolled["520000000000"].parent == NATIONAL_CODE
    for code in (COUNTY, "522600000000", "520000000000", NATIONAL_CODE):
        assert rolled[code].figures["poor_persons"] == 5
    children = [f for f in rolled.values() if f.parent == COUNTY]
    assert sum(c.figures.get("poor_persons", 0) for c in children) == 5
    assert "gini" in rolled[COUNTY].figures and "gini" not in rolled[TOWN_A].figures  # county and above


def test_a_second_rollup_replaces_the_first(rolled, register):
    before = RegionFigures.objects.filter(year=YEAR).count()
    register(VILLAGE_A, identified_year=YEAR)  # in the registry at the end of YEAR
    rollup_refresh(year=YEAR)
    assert RegionFigures.objects.filter(year=YEAR).count() == before
    assert RegionFigures.objects.get(year=YEAR, code=COUNTY).figures["households"] == 5


def test_a_prefecture_without_counties_is_rolled_up_once():
    """东莞市 (4419) has townships right under it: its villages must not make a second "county" 441900000000."""
    import ibis

    from jingzhun.analytics import indicators

    parts = ibis.memtable(
        {"village": ["441900101001", "441900101002", "522634100201"], "households": [1, 2, 3]}
    )
    rows = ibis.duckdb.connect().to_pyarrow(indicators.rollup(parts)).to_pylist()
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    by_code = {r["code"]: r for r in rows}
    assert by_code["441900000000"]["level"] == 2 and by_code["441900000000"]["households"] == 3
    assert by_code["441900101000"]["parent"] == "441900000000"
    assert by_code[NATIONAL_CODE]["households"] == 6
