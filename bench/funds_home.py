"""The funds home page at national and provincial scale (issue 21), on PostgreSQL.

Builds a scratch database (default ``jz_bench_funds_home``, dropped and recreated): 贵州's real extract plus, set-based
in SQL, nine more prefectures of ten counties each (≈ 92 counties), three funds of the year allocated to every
county, and N payments (default 2,000,000, nine in ten paid, a third industry) spread over the counties'
allocations by ``generate_series``. Then stores the year's rollup rows of every region down to the counties the
way the nightly rollup does (``analytics.services.with_spending`` → ``store_figures``; timed: that is the cost moved
off the page) and times, p50/p95 in ms over repeated warm runs, the page's data for a national and a provincial
finance user:

- baseline, measured in the same run: the old page's read, every paid payment of the year in the reader's scope
  summed per county and fund (``funds.selectors.progress`` without a county, what ``/funds/`` did before);
- now: 支出进度 per child region from the rollup (``funds.selectors.children_progress``), and the whole page through
  the test client (rendering, scope check, alerts);
- a county's live rows per fund (``progress(county=…)``), what a drill-down to one county still sums.

National scale is ~50 M payments over 2,975 counties; the baseline grows with the payments in scope (linearly, a
sequential sum), the rollup read does not (two indexed reads of ≤ 34 rows).

Usage: python bench/funds_home.py [--payments 2000000] [--repeat 20] [--database jz_bench_funds_home]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _common import fresh_database_url, jingzhun, machine, peak_rss_mib, required_fillers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

PROVINCE = "520000000000"

CITIES = """
INSERT INTO regions_region (code, name, level, parent_id{more})
SELECT '52' || lpad(c::text, 2, '0') || '00000000', '测试州' || c, 2, '520000000000'{values}
FROM generate_series(1, 9) c
"""
COUNTIES = """
INSERT INTO regions_region (code, name, level, parent_id{more})
SELECT '52' || lpad(c::text, 2, '0') || lpad(k::text, 2, '0') || '000000', '测试州' || c || '县' || k, 3,
       '52' || lpad(c::text, 2, '0') || '00000000'{values}
FROM generate_series(1, 9) c CROSS JOIN generate_series(21, 30) k
"""
# payment g takes allocation number mod(g, n) of the ordered list; 90 % paid, a third of them industry
PAYMENTS = """
INSERT INTO funds_payment (allocation_id, region_id, year, kind, category, payee_name, amount, purpose, status,
                           paid_on, created_at{more})
SELECT a.id, a.region_id, %(year)s, 'project', CASE WHEN mod(g, 3) = 0 THEN 'industry' ELSE 'infrastructure' END,
       '收款单位', (10 + mod(g, 90))::numeric, '工程款', CASE WHEN mod(g, 10) = 0 THEN 'pending' ELSE 'paid' END,
       CASE WHEN mod(g, 10) = 0 THEN NULL ELSE make_date(%(year)s, 1 + mod(g, 6), 1) END, now(){values}
FROM generate_series(1, %(n)s) g
JOIN bench_alloc a ON a.rn = mod(g, %(na)s)
"""


def _sql(cursor, template: str, table: str, given: tuple[str, ...], params=None) -> None:
    fill = required_fillers(cursor.connection, table, (*given, "id"))  # ids from the table's identity
    more = "".join(f", {c}" for c in fill)
    values = "".join(f", %({c})s" for c in fill)
    cursor.execute(template.format(more=more, values=values), {**(params or {}), **fill})


def timed(fn, repeat: int) -> tuple[float, float, object]:
    fn()  # warm
    samples, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))], result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default="jz_bench_funds_home")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at start")
    url = fresh_database_url("postgres", args.database)
    jingzhun(url, "migrate", "-v0")
    jingzhun(url, "regions", "load", "--extract")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    import pyarrow as pa
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jingzhun.accounts.choices import Role
    from jingzhun.accounts.models import User
    from jingzhun.analytics.services import store_figures, with_spending
    from jingzhun.core.codes import NATIONAL_CODE
    from jingzhun.funds import selectors
    from jingzhun.funds.models import Allocation, Fund, Payment
    from jingzhun.regions.models import Region

    year = timezone.localdate().year
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        _sql(cur, CITIES, "regions_region", ("code", "name", "level", "parent_id"))
        _sql(cur, COUNTIES, "regions_region", ("code", "name", "level", "parent_id"))
    counties = list(Region.objects.filter(level=3, code__startswith="52").values_list("code", flat=True))
    funds = Fund.objects.bulk_create(
        Fund(source=s, year=year, document_number=f"测试〔{year}〕{i}号", title=f"测试资金{i}", amount=10**9)
        for i, s in enumerate(("central", "provincial", "county"), 1)
    )
    Allocation.objects.bulk_create(
        Allocation(
            fund=f,
            region_id=c,
            amount=2_000_000,
            balance=0,
            document_number="测试",
            arrived_on=timezone.localdate(),
        )
        for f in funds
        for c in counties
    )
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_alloc AS SELECT id, region_id, (row_number() OVER (ORDER BY id)) - 1 AS rn "
            "FROM funds_allocation"
        )
        cur.execute("SELECT count(*) FROM bench_alloc")
        (na,) = cur.fetchone()
        _sql(cur, PAYMENTS, "funds_payment",
             ("allocation_id", "region_id", "year", "kind", "category", "payee_name", "amount", "purpose", "status",
              "paid_on", "created_at"), {"year": year, "n": args.payments, "na": na})  # fmt: skip
        cur.execute("ANALYZE")
    build = time.perf_counter() - t0
    print(
        f"built {len(counties)} counties, {na} allocations, {Payment.objects.count():,} payments in {build:.1f} s"
    )

    # the year's rollup rows as the nightly rollup stores them (here only the regions down to the counties)
    t = time.perf_counter()
    rows = list(Region.objects.filter(level__lte=3).values_list("code", "level", "parent_id"))
    table = pa.table(
        {
            "code": [NATIONAL_CODE, *(r[0] for r in rows)],
            "level": pa.array([0, *(r[1] for r in rows)], pa.int64()),
            "parent": ["", *(r[2] or NATIONAL_CODE for r in rows)],
        }
    )
    store_figures(year=year, table=with_spending(table, year=year), engine="postgres")
    print(
        f"rollup's funds part (with_spending + store, {table.num_rows} regions): {time.perf_counter() - t:.2f} s"
    )

    national = User.objects.create(username="bench_national", role=Role.ADMIN)
    province = User.objects.create(username="bench_province", role=Role.FINANCE, region_id=PROVINCE)
    county = counties[0]
    print(f"{'reader':<10}{'read':<52}{'p50 ms':>10}{'p95 ms':>10}{'rows':>7}")
    for name, user, code in (("national", national, NATIONAL_CODE), ("province", province, PROVINCE)):
        base = timed(lambda u=user: selectors.progress(user=u, year=year), max(3, args.repeat // 4))
        now = timed(
            lambda u=user, c=code: selectors.children_progress(user=u, code=c, year=year), args.repeat
        )
        client = Client()
        client.force_login(user)
        page = timed(lambda cl=client: cl.get(f"/funds/?year={year}"), args.repeat)
        assert page[2].status_code == 200 and b"progress-regions" in page[2].content
        # one source of truth: the rollup's total equals the old per-payment sum of the same scope
        assert now[2]["total"]["paid"] == selectors.progress_total(base[2])["paid"], (
            now[2]["total"],
            base[2][:1],
        )
        print(
            f"{name:<10}{'baseline: per-payment sum per county × fund':<52}{base[0]:>10.1f}{base[1]:>10.1f}{len(base[2]):>7}"
        )
        print(
            f"{'':<10}{'now: per child region from the rollup':<52}{now[0]:>10.2f}{now[1]:>10.2f}{len(now[2]['children']):>7}"
        )
        print(f"{'':<10}{'now: the whole page (/funds/, test client)':<52}{page[0]:>10.1f}{page[1]:>10.1f}")
    live = timed(lambda: selectors.progress(user=province, year=year, county=county), args.repeat)
    n_county = Payment.objects.filter(allocation__region_id=county).count()
    print(
        f"{'province':<10}{f'drill-down: one county live per fund ({n_county:,} payments)':<52}{live[0]:>10.1f}{live[1]:>10.1f}{len(live[2]):>7}"
    )
    print(
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at end; peak RSS {peak_rss_mib():.0f} MiB"
    )


if __name__ == "__main__":
    main()
