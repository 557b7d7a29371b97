"""The analytics stack's versions are pinned because they break each other (ARCHITECTURE.md: sqlglot 30 breaks
Ibis table creation on DuckDB): an upgrade that moves them must fail here, not on a dashboard."""

from importlib.metadata import version

import ibis
import pyarrow as pa


def test_pinned_versions_are_installed():
    assert version("ibis-framework") == "12.0.0"
    assert version("sqlglot").split(".")[0] == "29"
    assert version("duckdb").split(".")[:2] in (["1", "5"], ["2", "0"])


def test_ibis_creates_and_reads_a_duckdb_table_with_these_pins():
    con = ibis.duckdb.connect()
    con.create_table("households", obj=pa.table({"village": ["522634100201"], "persons": [3]}))
    t = con.table("households")
    assert con.to_pyarrow(t.group_by("village").agg(n=t.persons.sum())).to_pylist() == [
        {"village": "522634100201", "n": 3}
    ]
