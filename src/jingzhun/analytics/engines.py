"""Where the indicators run: DuckDB over a Parquet snapshot (the default), PostgreSQL over the live registry, or
PySpark over the same snapshot (a real distributed engine; ``local[2]`` on one machine, a cluster's master URL
in ``JINGZHUN_SPARK_MASTER``). Each returns the same canonical ``indicators.Tables``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import ibis
from django.conf import settings
from django.db import connection

from jingzhun.core import spark

from . import sources
from .indicators import Tables
from .snapshot import lines_table, population_table
from .sources import FLOW_COLUMNS

ENGINES = ("duckdb", "postgres", "pyspark")
# Columns added to a canonical table after snapshots were already on disk, read as 0 where a snapshot lacks them.
ADDED_COLUMNS = {"households": FLOW_COLUMNS}


def snapshot_tables(read_dir, read_file, root: Path) -> Tables:
    """The canonical tables of the snapshot under ``root``; partitioned ones lose their partition column
    (engines type ``province=52`` differently; the indicators take the province from the village code)."""

    def partitioned(name: str) -> ibis.Table:
        table = read_dir(root / name)
        table = table.drop("province") if "province" in table.columns else table
        # a snapshot written before the households carried their flows of the year: none counted
        missing = [n for n in ADDED_COLUMNS.get(name, ()) if n not in table.columns]
        return table.mutate(**{n: ibis.literal(0, type="int64") for n in missing}) if missing else table

    return Tables(
        households=partitioned("households"),
        members=partitioned("members"),
        plans=partitioned("plans"),
        lines=read_file(root / "lines"),
        population=read_file(root / "population"),
    )


def duckdb_tables(root: Path, *, threads: int | None = None, memory_limit: str | None = None):
    """DuckDB (in process) over the snapshot under ``root``. Held to ``ANALYTICS_DUCKDB_MEMORY`` (default 4 GB)
    and spilling to ``ANALYTICS_DUCKDB_TEMP`` beyond it: a national rollup then fits a small machine instead of
    holding every intermediate table."""
    temp = Path(settings.ANALYTICS_DUCKDB_TEMP or Path(tempfile.gettempdir()) / "jingzhun-duckdb")
    temp.mkdir(parents=True, exist_ok=True)
    # rows come back in no particular order (the rollup sorts nothing): lets DuckDB stream and spill less
    con = ibis.duckdb.connect(
        threads=threads or os.cpu_count(),
        preserve_insertion_order=False,
        memory_limit=memory_limit or settings.ANALYTICS_DUCKDB_MEMORY,
        temp_directory=str(temp),
    )
    return con, snapshot_tables(
        lambda p: con.read_parquet(f"{p}/**/*.parquet", hive_partitioning=True),
        lambda p: con.read_parquet(f"{p}/part-0.parquet"),
        root,
    )


def spark_session(master: str | None = None):
    """The indicators' Spark session (``core.spark.session``: one recipe for every Spark engine)."""
    return spark.session("jingzhun-indicators", master)


def pyspark_tables(root: Path, *, session=None):
    """PySpark over the same snapshot (Spark reads the hive layout itself)."""
    con = ibis.pyspark.connect(session or spark_session())
    read = lambda p: con.read_parquet(str(p))  # noqa: E731
    return con, snapshot_tables(read, read, root)


def postgres_tables(year: int):
    """PostgreSQL directly: the canonical expressions bound to the live tables (no snapshot)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the postgres engine needs DATABASE_URL to name a PostgreSQL database")
    conf = connection.settings_dict
    con = ibis.postgres.connect(
        host=conf["HOST"] or "localhost", port=int(conf["PORT"] or 5432), user=conf["USER"],
        password=conf.get("PASSWORD") or None, database=conf["NAME"],
    )  # fmt: skip
    try:
        return con, Tables(
            households=sources.households(con.table, year),
            members=sources.members(con.table).mutate(birth_date=ibis._.birth_date.cast("date")),
            plans=sources.plans(con.table, year),
            lines=ibis.memtable(lines_table(year)),
            population=ibis.memtable(population_table(year)),
        )
    except Exception:
        con.disconnect()
        raise


def open_engine(engine: str, *, year: int, root: Path | None = None):
    """(connection, tables) for ``engine``; snapshot engines read ``root``."""
    if engine == "duckdb":
        return duckdb_tables(root)
    if engine == "pyspark":
        return pyspark_tables(root)
    if engine == "postgres":
        return postgres_tables(year)
    raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
