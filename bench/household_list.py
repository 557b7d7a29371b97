"""Scoped, filtered, paginated household lists on a national-size PostgreSQL database.

Builds (once; reused when present) a database of N households (default 30,000,000) spread over all 620,000
real villages, set-based in SQL, then times the real selector + keyset pager for users at every level: first
page, a deep page (after 20 "next" clicks) and common filters. Prints the median and worst of 15 runs in ms,
and the region browser's grouped counts per level. Baseline in the same run: an index-only primary-key
lookup of 50 rows, the fastest page the database can return.
Usage: python bench/household_list.py [--households 30000000] [--rebuild]
"""

import argparse
import os
import statistics
import sys
import time

from _common import PG_SERVER, jingzhun, machine

DB = "jingzhun_bench_list"


def build(n: int, rebuild: bool) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and not rebuild:
            with psycopg.connect(f"{PG_SERVER}/{DB}") as db:
                have = db.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = 'registry_household'"
                )
                count = (have.fetchone() or [0])[0]
            if count >= n * 0.95:
                print(f"reusing {DB} with ~{count:,} households")
                return
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    url = f"{PG_SERVER}/{DB}"
    jingzhun(url, "migrate", "-v0")
    seconds, _ = jingzhun(url, "regions", "load")
    print(f"regions loaded in {seconds:.0f} s")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(
            "CREATE UNLOGGED TABLE bench_villages AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS rn "
            "FROM regions_region WHERE level = 5"
        )
        nv = conn.execute("SELECT count(*) FROM bench_villages").fetchone()[0]
        conn.execute("CREATE UNIQUE INDEX ON bench_villages (rn)")
        # Households arrive village by village (as county imports do); statuses, causes and attributes are
        # drawn with the demo generator's weights.
        step = 2_000_000
        for start in range(0, n, step):
            stop = min(n, start + step) - 1
            conn.execute(
                """
                INSERT INTO registry_household (number, region_id, status, identification_standard, attribute,
                    main_cause, other_causes, identified_year, phone, head_name, member_count, created_at, updated_at)
                SELECT v.code || lpad((g - (v.rn * %(n)s / %(nv)s))::text, 5, '0'), v.code,
                    CASE WHEN r < 0.82 THEN 'registered' WHEN r < 0.96 THEN 'exited' WHEN r < 0.98 THEN 'returned'
                         ELSE 'unidentified' END,
                    'national',
                    CASE WHEN r2 < 0.70 THEN 'general' WHEN r2 < 0.95 THEN 'dibao' ELSE 'wubao' END,
                    (ARRAY['illness','illness','illness','lack_capital','lack_skills','lack_labour','disability',
                           'education','lack_motivation','poor_transport'])[1 + floor(r3 * 10)::int],
                    '[]'::jsonb, 2015, '', '户主' || g, 1 + floor(r * 5)::int, now(), now()
                FROM (SELECT g, random() AS r, random() AS r2, random() AS r3
                      FROM generate_series(%(start)s::bigint, %(stop)s::bigint) g) s
                JOIN bench_villages v ON v.rn = (s.g * %(nv)s / %(n)s)
                """,
                {"n": n, "nv": nv, "start": start, "stop": stop},
            )
            print(f"  {stop + 1:,} households, {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("DROP TABLE bench_villages")
        conn.execute("VACUUM ANALYZE registry_household")
    print(f"built {n:,} households over {nv:,} villages in {time.perf_counter() - started:.0f} s")
    seconds, out = jingzhun(url, "recount")
    print(f"jingzhun recount (village tallies from {n:,} households): {seconds:.0f} s — {out.strip()}")


def timed(fn, runs=15) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def measure() -> None:
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    sys.path.insert(0, "src")
    import django

    django.setup()
    from django.db import connection

    from jingzhun.accounts.models import User
    from jingzhun.core.pagination import keyset_page
    from jingzhun.regions.models import Region
    from jingzhun.registry.models import Household
    from jingzhun.registry.selectors import HouseholdFilters, child_counts, household_list

    total = Household.objects.count()
    print(f"households: {total:,}")
    users = {
        "national": User(username="n", role="admin", region=None),
        "province 贵州": User(username="p", role="viewer", region=Region.objects.get(code="520000000000")),
        "county 雷山县": User(username="c", role="viewer", region=Region.objects.get(code="522634000000")),
        "township 丹江镇": User(username="t", role="viewer", region=Region.objects.get(code="522634100000")),
        "village 东门村": User(username="v", role="viewer", region=Region.objects.get(code="522634100201")),
    }
    base, _ = timed(lambda: list(Household.objects.filter(pk__in=range(1_000_000, 1_000_050)).values("id")))
    print(f"baseline: 50 rows by primary key {base:.2f} ms")
    print(f"{'user':<16}{'query':<34}{'median ms':>10}{'worst ms':>10}{'ratio':>8}")
    for label, user in users.items():
        cases = {
            "first page": HouseholdFilters(region=user.region),
            "status=在册": HouseholdFilters(region=user.region, status="registered"),
            "cause=因病 + attribute=五保": HouseholdFilters(
                region=user.region, main_cause="illness", attribute="wubao"
            ),
        }
        for name, filters in cases.items():
            qs = household_list(user=user, filters=filters)
            med, worst = timed(lambda qs=qs: keyset_page(qs, size=50).items)
            print(f"{label:<16}{name:<34}{med:>10.2f}{worst:>10.2f}{med / base:>8.1f}")
        qs = household_list(user=user, filters=HouseholdFilters(region=user.region))
        cursor = None
        for _ in range(20):
            page = keyset_page(qs, after=cursor, size=50)
            cursor = page.next_cursor or cursor
        med, worst = timed(lambda qs=qs, c=cursor: keyset_page(qs, after=c, size=50).items)
        print(f"{label:<16}{'page 21 (keyset)':<34}{med:>10.2f}{worst:>10.2f}{med / base:>8.1f}")
    print("region browser (grouped household/person counts of the children):")
    for label in ["village 东门村", "township 丹江镇", "county 雷山县", "province 贵州"]:
        user = users[label]
        med, worst = timed(lambda u=user: child_counts(user=u, region=u.region), runs=5)
        print(f"  {label:<16}{med:>10.1f} ms median, {worst:.1f} ms worst")
    started = time.perf_counter()
    child_counts(user=users["national"], region=None)
    print(f"  {'national':<16}{(time.perf_counter() - started) * 1000:>10.1f} ms (one run)")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_household'))")
        print(f"household table with indexes: {cur.fetchone()[0]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=30_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    build(args.households, args.rebuild)
    measure()


if __name__ == "__main__":
    main()
