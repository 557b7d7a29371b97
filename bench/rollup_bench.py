"""Full rollup of every indicator at every level, timed, with the naive per-region loop as baseline.

Runs `analytics.services.figures_table` (what `jingzhun rollup` runs) on DuckDB over a snapshot — by default the
national synthetic one from `bench/national_snapshot.py` — or on PostgreSQL over a live registry
(`--engine postgres --database URL`). Prints seconds, regions, peak RSS, and the naive baseline measured in the
same run: one query per region over that region's subtree (what a dashboard computing live would do), timed on
a sample of counties and provinces and extrapolated to every region of every level.

The snapshot carries each household's category at the end of its year (year-end status by business year, 监测对象
where monitoring was open on 31 December) and its members' deprivation flags, resolved when the snapshot is
written (`analytics.sources`; the status part is timed on PostgreSQL by `bench/status_history_bench.py`); a
synthetic snapshot draws them. DuckDB runs within `--memory-limit` (default `JINGZHUN_DUCKDB_MEMORY`, 4GB) and
spills beyond it. Wall time on a shared machine depends on the other load: the CPU seconds are printed too.

Usage: python bench/rollup_bench.py --snapshot DIR/2016 [--threads 2] [--memory-limit 16GB]
       python bench/rollup_bench.py --engine postgres --database postgres://…/db --year 2016
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

from _common import machine, peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def cpu_seconds() -> float:
    """CPU time of this process (DuckDB's threads included): what the rollup costs whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def subtree(tables, code: str, level: int):
    """The canonical tables narrowed to one region's subtree (the naive per-region query)."""
    from jingzhun.analytics.indicators import Tables
    from jingzhun.regions.rules import PREFIX_LENGTH

    prefix = code[: PREFIX_LENGTH[level]]
    return Tables(
        households=tables.households.filter(tables.households.village.startswith(prefix)),
        members=tables.members.filter(tables.members.village.startswith(prefix)),
        plans=tables.plans.filter(tables.plans.village.startswith(prefix)),
        lines=tables.lines,
        population=tables.population.filter(tables.population.village.startswith(prefix)),
    )


def naive_seconds(con, tables, year, rolled, sample: int) -> tuple[float, int, dict]:
    """Seconds the naive loop would take over every region: per level, the mean of ``sample`` regions' own
    queries (the region's figures alone) times the number of regions of that level."""
    from jingzhun.analytics import indicators

    af = indicators.AFConfig()
    rng = random.Random(7)
    total, per_level = 0.0, {}
    for level in (1, 2, 3, 4, 5):
        codes = [
            c
            for c, lv in zip(rolled["code"].to_pylist(), rolled["level"].to_pylist(), strict=True)
            if lv == level
        ]
        if not codes:
            continue
        chosen = rng.sample(codes, min(sample, len(codes)))
        started = time.perf_counter()
        for code in chosen:
            t = subtree(tables, code, level)
            facts = indicators.household_facts(t, year=year, af=af)
            parts = indicators.village_parts(facts, t.population, t.plans, af, households=t.households)
            con.to_pyarrow(parts.aggregate(**{n: parts[n].sum() for n in parts.columns if n != "village"}))
        mean = (time.perf_counter() - started) / len(chosen)
        per_level[level] = (mean, len(codes))
        total += mean * len(codes)
    return total, sum(n for _m, n in per_level.values()), per_level


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--snapshot", type=Path, help="a snapshot's year directory")
    parser.add_argument("--engine", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--database", help="PostgreSQL URL (postgres engine)")
    parser.add_argument("--year", type=int)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory limit (default the setting's, 4GB)"
    )
    parser.add_argument("--sample", type=int, default=5, help="regions per level timed for the naive loop")
    args = parser.parse_args()
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    import django

    django.setup()
    import json

    from jingzhun.analytics import engines
    from jingzhun.analytics.services import figures_table

    if args.engine == "duckdb":
        year = args.year or json.loads((args.snapshot / "manifest.json").read_text())["year"]
        con, tables = engines.duckdb_tables(
            args.snapshot, threads=args.threads, memory_limit=args.memory_limit
        )
    else:
        year = args.year
        con, tables = engines.postgres_tables(year)
    print(f"machine: {machine()}; engine {args.engine}, {args.threads} threads")
    started, cpu_started = time.perf_counter(), cpu_seconds()
    rolled = figures_table(con, tables, year=year, engine=args.engine)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    rss = peak_rss_mib()
    national = next(r for r in rolled.to_pylist() if r["level"] == 0)
    print(
        f"full rollup: {rolled.num_rows:,} regions × {len(rolled.column_names) - 3} parts in {seconds:.1f} s "
        f"({national['households']:,} households, {national['persons']:,} persons); {cpu:.1f} s of CPU "
        f"(wall time on a shared machine is at least CPU ÷ threads); peak RSS {rss:,.0f} MiB"
    )
    naive, regions, per_level = naive_seconds(con, tables, year, rolled, args.sample)
    for level, (mean, n) in per_level.items():
        print(f"  naive loop, level {level}: {mean * 1000:,.0f} ms a region × {n:,} regions")
    print(
        f"naive per-region loop (extrapolated from {args.sample} regions a level): {naive:,.0f} s for "
        f"{regions:,} regions — the rollup is {naive / seconds:,.0f}× faster"
    )


if __name__ == "__main__":
    main()
