"""Writes of the analytics app: the rollups (snapshot → indicators on an engine → ``RegionFigures``) and the
rural population."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from jingzhun.core import audit
from jingzhun.core.bulkwrite import append_rows
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region

from . import engines, gini, indicators
from .models import RegionFigures, RuralPopulation
from .snapshot import snapshot_root, write_snapshot

Progress = Callable[[str], None]
SNAPSHOT_ENGINES = ("duckdb", "pyspark")


@dataclass(frozen=True)
class RollupResult:
    """What one rollup did: rows stored and seconds per stage."""

    year: int
    engine: str
    regions: int
    snapshot_seconds: float
    compute_seconds: float
    store_seconds: float


# Where the Gini comes from one sort of the incomes handed to the process (``gini.by_sort``) rather than the
# window form: the engines on one machine. PySpark keeps its data on its cluster.
GINI_BY_SORT = ("duckdb", "postgres")


def figures_table(con, tables: indicators.Tables, *, year: int, engine: str, af=None) -> pa.Table:
    """Every region's parts and Gini for ``year`` as an Arrow table, computed on ``con`` (``engine``'s)."""
    af = af or indicators.AFConfig()
    materialise = indicators.MATERIALISE[engine]
    if engine not in GINI_BY_SORT:
        return con.to_pyarrow(indicators.figures(tables, year=year, af=af, materialise=materialise))
    facts = indicators.household_facts(tables, year=year, af=af)
    if materialise:
        facts = facts.cache()
    g = gini.by_sort(con.to_pyarrow(gini.incomes_in_order(facts))).rename_columns(["code", "gini"])
    parts = indicators.village_parts(facts, tables.population, tables.plans, af, households=tables.households)
    rolled = con.to_pyarrow(indicators.rollup(parts))
    return rolled.join(g, keys="code", join_type="left outer")


def compute_figures(
    *, year: int, engine: str = "duckdb", root: Path | None = None, af: indicators.AFConfig | None = None
) -> pa.Table:
    """Every region's parts and Gini for ``year`` on ``engine`` as an Arrow table (snapshot engines read
    ``root``, default the year's snapshot)."""
    con, tables = engines.open_engine(engine, year=year, root=root or snapshot_root(year))
    try:
        return figures_table(con, tables, year=year, engine=engine, af=af)
    finally:
        if engine != "pyspark":  # the Spark session is shared by the process; stopping it costs the next run
            con.disconnect()


def _compact(row: dict) -> dict:
    """Non-zero parts only (most villages have 0 in most cause counts); integers stay integers."""
    out = {}
    for key, value in row.items():
        if key in ("code", "level", "parent") or value is None or value == 0:
            continue
        out[key] = (
            int(value) if isinstance(value, int) or (float(value).is_integer() and key != "gini") else value
        )
    return out


def store_figures(*, year: int, table: pa.Table, engine: str) -> int:
    """Replace the year's stored figures with ``table``'s in one transaction (readers see old or new), set-based:
    COPY on PostgreSQL, executemany on SQLite — 665,000 national rows in seconds."""
    now = timezone.now()
    rows = table.to_pylist()
    stored = pa.table(
        {
            "year": pa.array([year] * len(rows), pa.int64()),
            "code": [r["code"] for r in rows],
            "level": pa.array([r["level"] for r in rows], pa.int64()),
            "parent": [r["parent"] for r in rows],
            "figures": [json.dumps(_compact(r), ensure_ascii=False, separators=(",", ":")) for r in rows],
            "engine": [engine] * len(rows),
            "computed_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
        }
    )
    with transaction.atomic():
        RegionFigures.objects.filter(year=year).delete()
        append_rows(RegionFigures, stored)
    if connection.vendor == "postgresql":
        # fresh statistics for the 665,000 rows just copied: without them the planner guesses thousands of
        # rows for the national code and answers the national dashboard by a parallel scan (23 ms → ~8 ms)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RegionFigures._meta.db_table}")
    return table.num_rows


FUND_PARTS = ("funds_allocated_fen", "funds_paid_fen")


def with_spending(table: pa.Table, *, year: int) -> pa.Table:
    """The rolled-up figures with 支出进度's parts: per county the money of ``year``'s funds allocated to it
    (下达到县) and paid from it (``funds.selectors.spending_per_county``, two grouped queries in the database: the
    same sums as the funds home page and the 资金成效 score), summed up to its city, province and the country, in
    fen (exact, additive like every part). The dashboards then read them from the figures, never the funds'
    tables. The loop is per county (a few thousand), never per household or payment."""
    from jingzhun.core.codes import NATIONAL_CODE, ancestor_at
    from jingzhun.funds.selectors import spending_per_county

    sums: dict[str, list[int]] = {}
    for county, (allocated, paid) in spending_per_county(year).items():
        for code in (NATIONAL_CODE, *(ancestor_at(county, level) for level in (1, 2, 3))):
            row = sums.setdefault(code, [0, 0])
            row[0] += int(allocated * 100)
            row[1] += int(paid * 100)
    codes = table.column("code").to_pylist()
    for i, name in enumerate(FUND_PARTS):
        table = table.append_column(name, pa.array([sums.get(c, (0, 0))[i] for c in codes], pa.int64()))
    return table


def rollup_refresh(
    *, year: int, engine: str = "duckdb", root: Path | None = None, progress: Progress | None = None
) -> RollupResult:
    """Recompute and store every indicator at every level for ``year``. Snapshot engines write a fresh
    snapshot first (unless ``root`` names one already written); PostgreSQL reads the live tables."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    if engine in SNAPSHOT_ENGINES and root is None:
        snap = write_snapshot(year, progress=lambda name, rows: say(f"snapshot {name}: {rows:,} rows"))
        root = snap.root
    snapshot_seconds = time.perf_counter() - started
    started = time.perf_counter()
    table = with_spending(compute_figures(year=year, engine=engine, root=root), year=year)
    compute_seconds = time.perf_counter() - started
    say(f"computed {table.num_rows:,} regions on {engine} in {compute_seconds:.1f} s")
    started = time.perf_counter()
    stored = store_figures(year=year, table=table, engine=engine)
    return RollupResult(
        year, engine, stored, snapshot_seconds, compute_seconds, time.perf_counter() - started
    )


LOOKUP_BATCH = 900  # codes per IN (…) lookup: well under SQLite's bound-variable limit at any file size


def rural_population_load(*, year: int, rows: list[tuple[int, str, str]]) -> int:
    """Load the statistics bureau's 农村户籍人口 for ``year``: ``rows`` are (line, village code, persons) as read.
    Every row is checked (a known village code, a whole number ≥ 0, no village twice); any error refuses the
    whole file with every message (行号 and reason) and nothing is saved. Existing figures of the same villages
    and year are replaced; each created or changed row is audited. Set-based: lookups in batches, one
    bulk_create and one bulk_update, so a national file (620,000 villages) is a handful of statements."""
    if not 2000 <= year <= 2100:
        raise ValidationError("年度应在 2000 至 2100 之间。")
    codes = sorted({code.strip().ljust(12, "0") for _line, code, _n in rows if code.strip().isdigit()})
    villages = set()
    for batch in itertools.batched(codes, LOOKUP_BATCH):
        villages.update(Region.objects.filter(code__in=batch, level=5).values_list("code", flat=True))
    errors, seen, clean = [], {}, {}
    for line, code, persons in rows:
        code, persons = code.strip(), persons.strip()
        padded = code.ljust(12, "0") if code.isdigit() else code
        if padded not in villages:
            errors.append(f"第 {line} 行：村代码「{code}」不存在或不是村级区划。")
        elif padded in seen:
            errors.append(f"第 {line} 行：村代码 {padded} 与第 {seen[padded]} 行重复。")
        if not persons.isdigit():
            errors.append(f"第 {line} 行：农村户籍人口「{persons}」应为不小于 0 的整数。")
        else:
            clean.setdefault(padded, int(persons))
        seen.setdefault(padded, line)
    if not rows:
        errors.append("文件中没有数据行。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {}
        for batch in itertools.batched(clean, LOOKUP_BATCH):
            existing.update(
                (p.region_id, p)
                for p in RuralPopulation.objects.select_for_update().filter(year=year, region_id__in=batch)
            )
        created, changed, entries = [], [], []
        for code, persons in clean.items():
            row = existing.get(code)
            if row is None:
                created.append(RuralPopulation(region_id=code, year=year, persons=persons))
            elif row.persons != persons:
                before = audit.snapshot(row)
                row.persons = persons
                changed.append(row)
                entries.append(
                    audit.entry_for(AuditAction.UPDATE, row, before=before, after=audit.snapshot(row))
                )
        RuralPopulation.objects.bulk_create(created, batch_size=5000)
        RuralPopulation.objects.bulk_update(changed, ["persons"], batch_size=5000)
        entries += [audit.entry_for(AuditAction.CREATE, row, after=audit.snapshot(row)) for row in created]
        audit.record_many(entries)
    return len(clean)
