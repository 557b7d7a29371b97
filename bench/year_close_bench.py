"""Closing a province-sized year on PostgreSQL: every county's close (what is left, then the freeze) and the
year's snapshot and rollup that closing writes — timed, with the rollup alone (what the nightly run costs
anyway) as the baseline measured in the same run.

Loads the first N households of a synthetic snapshot (`bench/national_snapshot.py`) into a scratch registry
with `bench/pg_registry_from_snapshot.py` (default 2,000,000 households: a large province's), places them in
one province's villages (default 四川, 183 counties), gives each a status history set-based in SQL (在册 in its
识别年度, 已脱贫 / 返贫 in the years after, ~1.3 changes each) and a yearly record for the year where it lacks one,
then for every county holding households: `yearcycle.year_open` + `yearcycle.year_close` (the open-items
queries over the county: households without the year's record, transfers, 分户 reviews, identification's
applications and objections), and once `analytics.services.rollup_refresh(year)` — the snapshot read from
PostgreSQL and the rollup on DuckDB. Prints seconds per phase, county p50/p95, peak RSS and the ratio to the
baseline.

Usage: python bench/year_close_bench.py --snapshot DIR/2016 [--households 2000000]
       [--database postgres://…/jz_bench_close] (a database whose region codes are loaded; it is emptied)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import PG_SERVER, ROOT, machine, peak_rss_mib

sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

# The households moved into one province's villages (round robin), so its counties hold a province's load.
INTO_PROVINCE = """
CREATE UNLOGGED TABLE bench_villages AS
SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS rn FROM regions_region
WHERE level = 5 AND code LIKE %(prefix)s;
UPDATE registry_household h SET region_id = v.code
FROM bench_villages v WHERE v.rn = mod(h.id, (SELECT count(*) FROM bench_villages));
DROP TABLE bench_villages;
"""

# Status history from each household's status, identified in 2014–2016 (by id), exits the year before the data
# year, returns in it; the snapshot's 监测对象 category (an old status value) becomes an exited household.
HISTORY = """
UPDATE registry_household SET status = 'exited' WHERE status NOT IN
    ('unidentified', 'registered', 'exited', 'returned', 'cancelled');
UPDATE registry_household SET identified_year = 2014 + mod(id, 3), exit_year = CASE WHEN status IN
    ('exited', 'returned') THEN %(year)s - 1 END;
INSERT INTO registry_statuschange (household_id, from_status, to_status, effective_on, business_year, reason,
    source, reference, at)
SELECT id, '', 'registered', make_date(identified_year, 12, 31), identified_year, '', 'historical', 'bench', now()
FROM registry_household WHERE status <> 'unidentified'
UNION ALL
SELECT id, 'registered', 'exited', make_date(exit_year, 12, 31), exit_year, '', 'historical', 'bench', now()
FROM registry_household WHERE status IN ('exited', 'returned')
UNION ALL
SELECT id, 'exited', 'returned', make_date(%(year)s, 12, 31), %(year)s, '', 'historical', 'bench', now()
FROM registry_household WHERE status = 'returned'
UNION ALL
SELECT id, 'registered', 'cancelled', make_date(%(year)s, 12, 31), %(year)s, '', 'historical', 'bench', now()
FROM registry_household WHERE status = 'cancelled';
"""


def load(snapshot: Path, households: int, url: str, province: str) -> None:
    import psycopg

    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pg_registry_from_snapshot.py"), "--snapshot", str(snapshot),
         "--households", str(households), "--database", url],
        check=True,
    )  # fmt: skip
    year = int(snapshot.name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE registry_statuschange, registry_adjustmentyear")
        for sql, params in ((INTO_PROVINCE, {"prefix": f"{province}%"}), (HISTORY, {"year": year})):
            for statement in filter(str.strip, sql.split(";\n")):  # one statement per execute with parameters
                conn.execute(statement, params if "%(" in statement else None)
        # every household on record gets the year's record (a county closes only when none lacks it)
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'registry_householdyear' "
            "AND column_name NOT IN ('id', 'household_id', 'year') AND is_generated = 'NEVER'"
        )]  # fmt: skip
        listed = ", ".join(columns)
        conn.execute(
            f"INSERT INTO registry_householdyear (household_id, year, {listed}) "
            f"SELECT h.id, %(year)s, {', '.join('t.' + c for c in columns)} FROM registry_household h "
            f"CROSS JOIN (SELECT * FROM registry_householdyear LIMIT 1) t "
            f"WHERE NOT EXISTS (SELECT 1 FROM registry_householdyear y WHERE y.household_id = h.id "
            f"AND y.year = %(year)s)",
            {"year": year},
        )
        conn.execute("VACUUM ANALYZE registry_statuschange, registry_householdyear, registry_household")
        changes = conn.execute("SELECT count(*) FROM registry_statuschange").fetchone()[0]
    print(f"status history: {changes:,} changes; ready in {time.perf_counter() - started:.0f} s", flush=True)


def measure(year: int) -> None:
    import django

    django.setup()

    from jingzhun.analytics.services import rollup_refresh
    from jingzhun.regions.models import Region
    from jingzhun.registry import yearcycle
    from jingzhun.registry.models import AdjustmentYear, Household

    counties = sorted(
        {code[:6] + "000000" for code in Household.objects.values_list("region_id", flat=True).distinct()}
    )
    n = Household.objects.count()
    print(f"{n:,} households in {len(counties)} counties; year {year}")

    started = time.perf_counter()
    baseline = rollup_refresh(year=year)  # what the nightly rollup costs anyway
    base_seconds = time.perf_counter() - started
    print(f"baseline, the year's rollup alone: {base_seconds:.1f} s (snapshot {baseline.snapshot_seconds:.1f} s, "
          f"compute {baseline.compute_seconds:.1f} s, store {baseline.store_seconds:.1f} s), "
          f"{baseline.regions:,} regions", flush=True)  # fmt: skip

    AdjustmentYear.objects.filter(year=year).delete()
    per_county, refused = [], 0
    started = time.perf_counter()
    for code in counties:
        county = Region.objects.get(code=code)
        t = time.perf_counter()
        yearcycle.year_open(user=None, county=county, year=year)
        try:
            yearcycle.year_close(user=None, county=county, year=year)
        except Exception:
            refused += 1
        per_county.append(time.perf_counter() - t)
    close_seconds = time.perf_counter() - started
    per_county.sort()
    p50 = statistics.median(per_county) * 1000
    p95 = per_county[max(0, round(0.95 * len(per_county)) - 1)] * 1000
    print(f"counties closed: {len(counties) - refused} of {len(counties)} in {close_seconds:.1f} s "
          f"(per county p50 {p50:.0f} ms, p95 {p95:.0f} ms)", flush=True)  # fmt: skip

    started = time.perf_counter()
    result = rollup_refresh(year=year)  # what closing has the worker write: the year's snapshot and rollup
    rollup_seconds = time.perf_counter() - started
    total = close_seconds + rollup_seconds
    print(f"the closed year's snapshot and rollup: {rollup_seconds:.1f} s ({result.regions:,} regions)")
    print(f"closing the year, all counties plus snapshot and rollup: {total:.1f} s "
          f"(target ≤ 60 s); {total / base_seconds:.2f}× the rollup alone; peak RSS {peak_rss_mib():,.0f} MiB")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--households", type=int, default=2_000_000)
    parser.add_argument("--database", default=f"{PG_SERVER}/jz_bench_close")
    parser.add_argument("--province", default="51", help="the province the households are placed in (四川)")
    parser.add_argument("--skip-load", action="store_true", help="measure the database as it is")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.skip_load:
        load(args.snapshot, args.households, args.database, args.province)
    os.environ["DATABASE_URL"] = args.database
    measure(int(args.snapshot.name))


if __name__ == "__main__":
    main()
