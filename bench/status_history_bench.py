"""Status history on PostgreSQL: "status at the end of year Y" and the household list filtered by it.

Builds a scratch database (default ``jz_bench_status``, dropped at the end unless ``--keep``) with N households
over every real village and ~3 status changes each (在册 → 已脱贫 → 返贫 → 已脱贫, 1–4 changes, mean 3.0; one
exit in ten announced in January of the next year but counted in the year before), all set-based in SQL
(generate_series), the household's own status the latest change's as ``registry.status`` keeps it. Region codes
are copied from ``--regions-from`` (a database where `jingzhun regions load` ran) or loaded.

Then times, p50/p95 in ms (warm, repeated), against the current-status answer measured in the same run as the
baseline:
- status counts of one county, and of the whole country: year-end (``registry.status.with_status_at_end_of``, a
  probe of the index statuschange_year_end per household, index-only) and, for the country, the set-based window
  the analytics snapshot uses (``analytics.sources.status_at_end_of``);
- the household list (``registry.selectors.household_list`` + the keyset pager) filtered by year-end status:
  first page and count, for a county and for a national user.

National scale is 30 M households (~90 M changes); at a smaller --households the script says so and scales the
whole-country figures linearly (they grow with the rows; the county and first-page figures do not).

Usage: python bench/status_history_bench.py [--households 3000000] [--year 2018]
       [--regions-from postgres://…/db_with_regions] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _common import PG_SERVER, fresh_database_url, jingzhun, machine, peak_rss_mib, required_fillers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

NATIONAL = 30_000_000
COUNTY = "522634000000"  # 雷山县
STEP = 1_000_000

# Per household: k changes (1: 5 %, 2: 25 %, 3: 35 %, 4: 35 % — mean 3.0), starting in 2014–2016, each at least a
# year after the one before. Statuses in order: registered, exited, returned, exited.
PLAN = """
CREATE UNLOGGED TABLE bench_plan AS
SELECT g AS id, v.code AS region_id,
       CASE WHEN r < 0.05 THEN 1 WHEN r < 0.30 THEN 2 WHEN r < 0.65 THEN 3 ELSE 4 END AS k,
       2014 + floor(random() * 3)::int AS y1, 1 + floor(random() * 3)::int AS d2,
       1 + floor(random() * 2)::int AS d3, 1 + floor(random() * 2)::int AS d4,
       random() < 0.1 AS late
FROM (SELECT g, random() AS r FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g) s
JOIN bench_villages v ON v.rn = ((s.g - 1) * %(nv)s / %(n)s)
"""
STATUS_OF = "(ARRAY['registered','exited','returned','exited'])"
HOUSEHOLD_COLUMNS = ("id", "number", "region_id", "status", "identification_standard", "attribute", "main_cause",
                     "other_causes", "identified_year", "phone", "head_name", "member_count", "created_at",
                     "updated_at")  # fmt: skip
HOUSEHOLDS = f"""
INSERT INTO registry_household ({", ".join(HOUSEHOLD_COLUMNS)}{{more}})
SELECT id, region_id || lpad(id::text, 8, '0'), region_id, {STATUS_OF}[k], 'national', 'general', 'illness',
       '[]'::jsonb, y1, '', '户主', 3, now(), now(){{values}}
FROM bench_plan
"""
# change i (1..k) counts in business year y1 (+ d2 + d3 + d4 as far as i goes); exits (i = 2, 4) of a "late"
# household take effect on 15 January of the next year, the others on 1 November of their year
CHANGES = f"""
INSERT INTO registry_statuschange (household_id, from_status, to_status, effective_on, business_year, reason,
    source, reference, at)
SELECT p.id, CASE WHEN i = 1 THEN '' ELSE {STATUS_OF}[i - 1] END, {STATUS_OF}[i],
       CASE WHEN p.late AND mod(i, 2) = 0 THEN make_date(y + 1, 1, 15) ELSE make_date(y, 11, 1) END,
       y, '', CASE WHEN mod(i, 2) = 0 THEN 'exit' WHEN i = 1 THEN 'procedure' ELSE 'return' END, '', now()
FROM bench_plan p
CROSS JOIN LATERAL generate_series(1, p.k) i
CROSS JOIN LATERAL (SELECT p.y1 + CASE WHEN i >= 2 THEN p.d2 ELSE 0 END + CASE WHEN i >= 3 THEN p.d3 ELSE 0 END
                           + CASE WHEN i >= 4 THEN p.d4 ELSE 0 END AS y) years
"""


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def copy_regions(source: str, target: str) -> int:
    import psycopg

    with psycopg.connect(source) as src, psycopg.connect(target) as dst:
        have = [r[0] for r in src.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'regions_region'"
        )]  # fmt: skip
        columns = ", ".join(have)
        with (
            src.cursor().copy(f"COPY (SELECT {columns} FROM regions_region ORDER BY level) TO STDOUT") as out,
            dst.cursor().copy(f"COPY regions_region ({columns}) FROM STDIN") as into,
        ):
            for block in out:
                into.write(block)
        return dst.execute("SELECT count(*) FROM regions_region WHERE level = 5").fetchone()[0]


def build(url: str, n: int, regions_from: str | None) -> None:
    import psycopg

    started = time.perf_counter()
    jingzhun(url, "migrate", "-v0")
    villages = copy_regions(regions_from, url) if regions_from else 0
    if not villages:
        jingzhun(url, "regions", "load")
    print(f"schema and regions in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(
            "CREATE UNLOGGED TABLE bench_villages AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS rn "
            "FROM regions_region WHERE level = 5"
        )
        nv = conn.execute("SELECT count(*) FROM bench_villages").fetchone()[0]
        conn.execute("CREATE UNIQUE INDEX ON bench_villages (rn)")
        # the tables' own indexes are built once at the end (as a bulk load would), not row by row
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('registry_household', "
            "'registry_statuschange') AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        fillers = required_fillers(conn, "registry_household", HOUSEHOLD_COLUMNS)  # fields added since
        households_sql = HOUSEHOLDS.format(
            more="".join(f", {c}" for c in fillers),
            values="".join(f", {_literal(v)}" for v in fillers.values()),
        )
        for start in range(1, n + 1, STEP):
            stop = min(n, start + STEP - 1)
            conn.execute(PLAN, {"start": start, "stop": stop, "n": n, "nv": nv})
            conn.execute(households_sql)
            conn.execute(CHANGES)
            conn.execute("DROP TABLE bench_plan")
            print(f"  {stop:,} households, {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("DROP TABLE bench_villages")
        for _name, definition in indexes:
            conn.execute(definition)
        conn.execute("SELECT setval('registry_household_id_seq', (SELECT max(id) FROM registry_household))")
        conn.execute("VACUUM ANALYZE registry_household, registry_statuschange")
        changes = conn.execute("SELECT count(*) FROM registry_statuschange").fetchone()[0]
        size = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('registry_statuschange'))"
        ).fetchone()[0]
    print(
        f"built {n:,} households with {changes:,} status changes ({changes / n:.2f} each; table with indexes "
        f"{size}) in {time.perf_counter() - started:.0f} s"
    )


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def measure(n: int, year: int, runs: int) -> None:
    import django

    django.setup()
    import ibis
    from django.db import connection
    from django.db.models import Count

    from jingzhun.accounts.models import User
    from jingzhun.analytics import sources
    from jingzhun.core.pagination import keyset_page
    from jingzhun.regions.models import Region
    from jingzhun.registry.models import Household
    from jingzhun.registry.selectors import HouseholdFilters, household_list
    from jingzhun.registry.status import with_status_at_end_of

    county = Region.objects.get(code=COUNTY)
    in_county = Household.objects.in_region(county).count()
    print(f"{n:,} households; county {county.name} {in_county:,}; year-end of {year}; {runs} runs a figure")
    users = {
        "county": User(username="c", role="viewer", region=county),
        "national": User(username="n", role="admin", region=None),
    }

    def counts(qs, field):
        return lambda: list(qs.values(field).annotate(n=Count("id")))

    window = str(
        ibis.to_sql(
            sources.status_at_end_of(sources._unbound_getter, year)
            .group_by("year_end_status")
            .agg(n=ibis._.count()),
            dialect="postgres",
        )
    )

    def run_sql(sql):
        def go():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        return go

    rows = []  # (what, baseline label, baseline (p50, p95), year-end label, year-end (p50, p95), national?)
    national_runs = max(3, runs // 5)
    for where, qs, r in (("county", Household.objects.in_region(county), runs),
                         ("country", Household.objects.all(), national_runs)):  # fmt: skip
        base = timed(counts(qs, "status"), r)
        year_end = timed(counts(with_status_at_end_of(qs, year), "year_end_status"), r)
        rows.append((f"status counts, {where}", base, year_end, where == "country"))
    rows.append(("status counts, country, set-based window (snapshot)", rows[-1][1],
                 timed(run_sql(window), national_runs), True))  # fmt: skip
    for who, user in users.items():
        current = household_list(user=user, filters=HouseholdFilters(region=user.region, status="exited"))
        listed = with_status_at_end_of(
            household_list(user=user, filters=HouseholdFilters(region=user.region)), year
        )
        listed = listed.filter(year_end_status="exited")
        r = runs if who == "county" else national_runs
        rows.append((f"list first page, {who}", timed(lambda q=current: keyset_page(q, size=50).items, runs),
                     timed(lambda q=listed: keyset_page(q, size=50).items, runs), False))  # fmt: skip
        rows.append(
            (f"list count, {who}", timed(current.count, r), timed(listed.count, r), who == "national")
        )
    scale = NATIONAL / n
    print(f"{'query':<54}{'current p50':>12}{'p95':>9}{'year-end p50':>14}{'p95':>9}{'ratio':>7}")
    for what, (b50, b95), (y50, y95), _national in rows:
        print(f"{what:<54}{b50:>12.1f}{b95:>9.1f}{y50:>14.1f}{y95:>9.1f}{y50 / b50:>7.1f}")
    if scale > 1.01:
        print(
            f"measured at {n:,} households, not the national {NATIONAL:,}: whole-country figures grow with the "
            f"rows, so at national scale expect about {scale:.0f}× (linear extrapolation, not measured):"
        )
        for what, (b50, _b95), (y50, _y95), national in rows:
            if national:
                print(
                    f"  {what:<52} current ~{b50 * scale / 1000:,.1f} s, year-end ~{y50 * scale / 1000:,.1f} s"
                )
    print(f"peak RSS {peak_rss_mib():,.0f} MiB")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=NATIONAL)
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", default="jz_bench_status", help="scratch database name (dropped)")
    parser.add_argument("--regions-from", help="a database URL with the region codes loaded, copied")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep, unbuilt")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    url = f"{PG_SERVER}/{args.database}" if args.reuse else fresh_database_url("postgres", args.database)
    try:
        if not args.reuse:
            build(url, args.households, args.regions_from)
        os.environ["DATABASE_URL"] = url
        measure(args.households, args.year, args.runs)
    finally:
        if not args.keep:
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
