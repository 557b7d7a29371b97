"""Snapshots: the registry of a year written to Parquet, partitioned by province, for the indicators on DuckDB
(the default engine) and PySpark.

The canonical tables (``sources``) are compiled to the database's SQL and read as Arrow record batches (ADBC
on PostgreSQL), which stream straight into Parquet: memory bounded by the batch size. A
snapshot is written beside the previous one and swapped in by a rename, so a failure leaves the old snapshot
whole.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from jingzhun.core.arrowsql import arrow_reader
from jingzhun.funds.snapshot import write_funds

from . import sources
from .sources import FROM_DATABASE, PARTITIONED, SCHEMAS

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class SnapshotResult:
    """Where the snapshot lies and how many rows each table got."""

    root: Path
    rows: dict[str, int]
    seconds: float


def snapshot_root(year: int) -> Path:
    return Path(settings.SNAPSHOT_DIR) / str(year)


def _batches(reader: pa.RecordBatchReader, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The reader's batches cast to the canonical schema (SQLite gives integers for booleans, ISO text for
    dates)."""
    for batch in reader:
        columns = [
            batch.column(name).cast(field.type) for name, field in zip(schema.names, schema, strict=True)
        ]
        yield pa.RecordBatch.from_arrays(columns, schema=schema)


def write_table(name: str, data: pa.RecordBatchReader | pa.Table, root: Path) -> int:
    """Write one canonical table under ``root``; partitioned tables get a directory per province (hive
    layout). Returns the number of rows written."""
    schema = SCHEMAS[name]
    target = root / name
    if isinstance(data, pa.Table):
        data = data.select(schema.names).cast(schema).to_reader()
    rows = 0

    def counted():
        nonlocal rows
        for batch in _batches(data, schema):
            rows += batch.num_rows
            yield batch

    stream = pa.RecordBatchReader.from_batches(schema, counted())
    if name in PARTITIONED:
        ds.write_dataset(
            stream, target, format="parquet", partitioning=["province"], partitioning_flavor="hive",
            existing_data_behavior="overwrite_or_ignore", max_rows_per_group=256_000, max_rows_per_file=4_000_000,
        )  # fmt: skip
        if rows == 0:  # an empty table still needs a file with its columns for the engines to read
            (target / "province=00").mkdir(parents=True, exist_ok=True)
            pq.write_table(
                schema.empty_table().drop_columns("province"), target / "province=00" / "empty.parquet"
            )
    else:
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_batches(list(stream), schema=schema), target / "part-0.parquet")
    return rows


def lines_table(year: int) -> pa.Table:
    """The poverty line of ``year`` for every province (its own line where higher, else the national)."""
    from jingzhun.identification.selectors import poverty_line
    from jingzhun.regions.choices import RegionLevel
    from jingzhun.regions.models import Region

    rows = []
    for code in Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", flat=True):
        line = poverty_line(year=year, region_code=code)
        if line is not None:
            rows.append((code[:2], float(line.amount)))
    return pa.table({"province": [r[0] for r in rows], "line": [r[1] for r in rows]}, schema=SCHEMAS["lines"])


def population_table(year: int) -> pa.Table:
    """The rural population (农村户籍人口) recorded per village for ``year``: the incidence denominator."""
    from .models import RuralPopulation

    rows = RuralPopulation.objects.filter(year=year).values_list("region_id", "persons")
    villages, persons = zip(*rows, strict=True) if rows else ((), ())
    return pa.table({"village": list(villages), "persons": list(persons)}, schema=SCHEMAS["population"])


def write_snapshot(
    year: int, *, root: Path | None = None, progress: Progress | None = None
) -> SnapshotResult:
    """Write the registry of ``year`` to Parquet under ``root`` (default ``SNAPSHOT_DIR/<year>``) and swap it
    in whole."""
    started = time.perf_counter()
    root = root or snapshot_root(year)
    staging = root.with_name(f".{root.name}.writing")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rows = {}
    dialect = "postgres" if connection.vendor == "postgresql" else "sqlite"
    for name in FROM_DATABASE:
        with arrow_reader(sources.compiled(name, year, dialect)) as reader:
            rows[name] = write_table(name, reader, staging)
        if progress:
            progress(name, rows[name])
    rows["lines"] = write_table("lines", lines_table(year), staging)
    rows["population"] = write_table("population", population_table(year), staging)
    # the year's money beside it, for the supervision rules at national scale (funds.alerts_sql)
    for name, n in write_funds(year, staging).items():
        rows[name] = n
        if progress:
            progress(name, n)
    manifest = {
        "year": year,
        "written_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "rows": rows,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    old = root.with_name(f".{root.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    staging.rename(root)
    shutil.rmtree(old, ignore_errors=True)
    return SnapshotResult(root=root, rows=rows, seconds=time.perf_counter() - started)
