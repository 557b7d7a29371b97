"""The same indicators on DuckDB, PySpark (local[2]) and PostgreSQL give the same values on the same data."""

import datetime as dt
import math

import pyarrow as pa
import pytest
from django.db import connection

from jingzhun.analytics.services import compute_figures
from jingzhun.analytics.snapshot import write_snapshot
from jingzhun.registry import members as member_services
from tests.analytics.conftest import YEAR
from tests.conftest import VILLAGE_A, member, new_id


def _by_code(table: pa.Table) -> dict[str, dict]:
    return {row["code"]: row for row in table.to_pylist()}


def assert_same(left: pa.Table, right: pa.Table):
    a, b = _by_code(left), _by_code(right)
    assert a.keys() == b.keys()
    for code, row in a.items():
        for name, value in row.items():
            other = b[code][name]
            if isinstance(value, float) or isinstance(other, float):
                both_missing = value is None and other is None
                assert both_missing or math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12), (code, name)
            else:
                assert value == other, (code, name, value, other)


@pytest.fixture
def snapshot(small_registry, tmp_path):
    """The small registry with 人口变动 of the year too (a birth and a death in H1), so that every flow part is
    computed from rows on every engine."""
    h1, on = small_registry["h1"], dt.date(YEAR, 6, 1)
    child = member("son", name="杨新生", id_number=new_id(dt.date(YEAR, 3, 1)))
    member_services.member_birth(user=None, household=h1, member=child, effective_on=on)
    spouse = h1.members.get(relationship="spouse")
    member_services.member_death(user=None, household=h1, member=spouse, died_on=on)
    root = write_snapshot(YEAR, root=tmp_path / "snap").root
    flows = compute_figures(year=YEAR, engine="duckdb", root=root).to_pylist()
    (village,) = [r for r in flows if r["code"] == VILLAGE_A]
    assert (village["year_born_persons"], village["year_died_persons"], village["year_cancelled_households"]) == (
        1, 1, 1,
    )  # fmt: skip
    return root


def test_duckdb_and_pyspark_agree(snapshot):
    duck = compute_figures(year=YEAR, engine="duckdb", root=snapshot)
    spark = compute_figures(year=YEAR, engine="pyspark", root=snapshot)
    assert duck.num_rows == spark.num_rows > 5
    assert_same(duck, spark)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in the PostgreSQL half of `make test`")
def test_postgres_directly_agrees_with_duckdb_on_its_snapshot(snapshot):
    assert_same(
        compute_figures(year=YEAR, engine="duckdb", root=snapshot),
        compute_figures(year=YEAR, engine="postgres"),
    )
