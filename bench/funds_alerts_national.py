"""监督预警 at national scale (issue 21): payments generated straight into the snapshot's funds tables (the layout
``funds.snapshot`` writes beside the yearly snapshot: ``fund_payments/province=NN/…`` and one file per small
table), with planted cases of every rule, then the rules (``funds.alerts_sql``, the one SQL text) on DuckDB — or
Spark (``--engine pyspark``) — over them.

The generator is DuckDB SQL, set-based and seeded (every random draw is ``hash(concat(row, '-', seed, '-', k))``: the same seed
gives the same files). Villages are synthetic codes in the national shape (31 provinces, ~2,800 counties,
``--villages`` villages). Every household (1 to 6 persons) gets one or two ordinary payments (200–399 元 a person each); planted at a rate
of ``1/--rate``: pairs of households of a village sharing one account, households of village cadres, households
with an extra 80,000 元 (far above their county's median per person), dead heads still paid (a decoy died after the
payment), cancelled households still paid, project payments at 验收合格 without 验收 (decoys accepted before),
exits after an income jump (decoys with a steady income), and idle county allocations (decoys paid recently).

Prints: rows generated and time, the rules' time and rows/s, peak RSS, each rule's precision and recall against
the planted cases, and a naive baseline measured in the same run: the shared-account check as one query per
payment over the same Parquet (no index: what "look each payment up" costs without a set-based plan), timed on
a sample and scaled to every payment.

Usage: python bench/funds_alerts_national.py --out DIR [--payments 1000000] [--villages 620000] [--seed 21]
       [--rate 2000] [--engine duckdb|pyspark [--spark-untuned]] [--threads 2] [--memory 8GB] [--keep]

With ``--engine pyspark`` it also prints each rule's time on Spark, the rules on DuckDB over the same files (and
whether they find the same), and with ``--spark-untuned`` the rules again with the Spark settings and outlier SQL
from before issue 21's Spark work, then as they are now, in the same (warm) JVM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _common import machine, peak_rss_mib

YEAR = 2026
TODAY = dt.date(YEAR, 12, 1)
PROVINCES = [
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
]


def generate(con, root: Path, *, payments: int, villages: int, seed: int, rate: int) -> dict[str, int]:
    households = max(payments * 3 // 5, villages)  # 50 M payments over 30 M households
    planted = f"(hash(concat(h, '-', {seed}, '-', 99)) % {rate} = 0)"
    provinces = ", ".join(f"'{p}'" for p in PROVINCES)
    con.sql(f"""
CREATE OR REPLACE TEMP TABLE v AS
SELECT vi, list_value({provinces})[1 + vi % 31] || '01' || lpad(CAST(1 + (vi // 31) % 90 AS VARCHAR), 2, '0')
       || lpad(CAST(100 + (vi // 2790) % 10 AS VARCHAR), 3, '0') || lpad(CAST(200 + vi // 27900 AS VARCHAR), 3, '0')
       AS village
FROM range({villages}) t(vi)""")
    # households h = 1..H in village h % V; a planted sharer's partner is h + 2790 (a village of the same county)
    con.sql(f"""
CREATE OR REPLACE TEMP TABLE hh AS
SELECT h, v.village, v.village || lpad(CAST(h AS VARCHAR), 9, '0') AS number,
       CASE WHEN {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 0 AND h % {villages} + 2790 < {villages} AND h + 2790 <= {households}
            THEN printf('%016x', hash(concat(h + 2790, '-', {seed}))) ELSE printf('%016x', hash(concat(h, '-', {seed}))) END AS digest,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 0 AND h % {villages} + 2790 < {villages} AND h + 2790 <= {households} AS shares,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 1 AS cadre,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 2 AS outlier,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 3 AS dead,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 4 AS dead_later,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 5 AS cancelled,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 6 AS jump,
       {planted} AND hash(concat(h, '-', {seed}, '-', 1)) % 8 = 7 AS steady,
       CAST(1 + hash(concat(h, '-', {seed}, '-', 6)) % 6 AS BIGINT) AS size
FROM range(1, {households} + 1) t(h) JOIN v ON v.vi = h % {villages}""")
    base = f"""
SELECT i AS id, hh.village, substr(hh.village, 1, 2) AS province, CAST({YEAR} AS BIGINT) AS year,
       'household' AS kind, '' AS stage, 'paid' AS status, CAST(1 + hash(substr(hh.village, 1, 6)) % 1000 AS BIGINT)
       AS allocation_id, hh.h AS household_id, hh.number AS household_number, hh.h * 10 + 1 AS member_id,
       CAST(NULL AS BIGINT) AS project_id, CAST(NULL AS VARCHAR) AS project_name,
       CAST(NULL AS DATE) AS project_accepted_on, hh.digest AS account_digest,
       CAST((200 + hash(concat(i, '-', {seed}, '-', 2)) % 200) * hh.size AS DECIMAL(18, 2)) AS amount,
       DATE '{YEAR}-01-01' + CAST(hash(concat(i, '-', {seed}, '-', 3)) % 300 AS INTEGER) AS created_on,
       hh.size AS household_size"""
    projects = max(payments // 500, 100)
    con.sql(f"""
COPY (
  {base} FROM range(1, {payments} + 1) t(i)
  JOIN hh ON hh.h = CASE WHEN i <= {households} THEN i ELSE i - {households} END
  UNION ALL
  {base.replace(f"CAST((200 + hash(concat(i, '-', {seed}, '-', 2)) % 200) * hh.size AS DECIMAL(18, 2))", "80000.00")}
  FROM (SELECT {payments} + h AS i, * FROM hh WHERE outlier) hh
  UNION ALL
  SELECT {payments} + {households} + j, v.village, substr(v.village, 1, 2), {YEAR}, 'project', 'accepted', 'paid',
         1, NULL, NULL, NULL, j, '项目' || j,
         CASE WHEN hash(concat(j, '-', {seed}, '-', 5)) % {max(rate // 50, 2)} = 0 THEN NULL ELSE DATE '{YEAR}-01-01' END,
         '', 20000.00, DATE '{YEAR}-03-01', CAST(NULL AS BIGINT)
  FROM range(1, {projects} + 1) t(j) JOIN v ON v.vi = j % {villages}
) TO '{root}/fund_payments' (FORMAT PARQUET, PARTITION_BY (province), OVERWRITE_OR_IGNORE)""")
    for table in ("fund_allocations", "fund_cadres", "fund_events", "fund_exits"):
        (root / table).mkdir(parents=True, exist_ok=True)
    counties = con.sql("SELECT DISTINCT substr(village, 1, 6) AS c FROM v").fetchall()
    con.sql(
        f"""
COPY (
  SELECT CAST(row_number() OVER (ORDER BY c) AS BIGINT) AS id, c || '000000' AS region, CAST(3 AS BIGINT) AS level,
         CAST({YEAR} AS BIGINT) AS fund_year, '衔接资金' AS fund_title, CAST(1000000 AS DECIMAL(18, 2)) AS amount,
         CAST(200000 AS DECIMAL(18, 2)) AS balance, DATE '{YEAR}-02-01' AS arrived_on,
         CASE WHEN hash(concat(c, '-', {seed}, '-', 6)) % 50 = 0 THEN NULL ELSE DATE '{YEAR}-11-20' END AS last_paid_on
  FROM (SELECT unnest(?) AS c)
) TO '{root}/fund_allocations/part-0.parquet' (FORMAT PARQUET)""",
        params=[[c for (c,) in counties]],
    )
    con.sql(f"""
COPY (
  SELECT CAST(h AS BIGINT) AS id, village, '干部' AS name, '村委委员' AS post, CAST(h AS BIGINT) AS household_id
  FROM hh WHERE cadre
  UNION ALL SELECT CAST(-h AS BIGINT), village, '干部', '监委', {households} * 2 + h FROM hh WHERE steady
) TO '{root}/fund_cadres/part-0.parquet' (FORMAT PARQUET)""")
    con.sql(f"""
COPY (
  SELECT 'death' AS kind, CAST(h AS BIGINT) AS household_id, CAST(h * 10 + 1 AS BIGINT) AS member_id,
         DATE '{YEAR}-01-01' AS effective_on FROM hh WHERE dead
  UNION ALL SELECT 'death', h, h * 10 + 1, DATE '{YEAR}-12-31' FROM hh WHERE dead_later
  UNION ALL SELECT 'cancel', h, NULL, DATE '{YEAR}-01-01' FROM hh WHERE cancelled
) TO '{root}/fund_events/part-0.parquet' (FORMAT PARQUET)""")
    con.sql(f"""
COPY (
  SELECT CAST(h AS BIGINT) AS household_id, village, number AS household_number,
         CAST(CASE WHEN jump THEN 12000 ELSE 5500 END AS DECIMAL(18, 2)) AS per_capita_net,
         CAST(3000 + hash(concat(h, '-', {seed}, '-', 7)) % 2000 AS DECIMAL(18, 2)) AS prior
  FROM hh WHERE jump OR steady
) TO '{root}/fund_exits/part-0.parquet' (FORMAT PARQUET)""")
    n = con.sql(f"SELECT count(*) FROM read_parquet('{root}/fund_payments/**/*.parquet')").fetchall()[0][0]
    return {"payments": n, "households": households, "villages": villages, "counties": len(counties)}


def truth(con, root: Path, *, payments: int, households: int, villages: int) -> dict[str, set]:
    """The planted cases, keyed as the rules' findings are (``finding_keys``)."""
    pay = f"read_parquet('{root}/fund_payments/**/*.parquet', hive_partitioning = true)"
    rows = {
        "shared_account": "SELECT substr(village, 1, 6) || ':' || digest FROM hh WHERE shares",
        "cadre_relative": "SELECT h FROM hh WHERE cadre",
        "outlier": "SELECT h FROM hh WHERE outlier",
        "deceased": f"SELECT id FROM {pay} p JOIN hh ON hh.h = p.household_id WHERE hh.dead OR hh.cancelled",
        "income_jump": "SELECT h FROM hh WHERE jump",
        "no_acceptance": f"SELECT id FROM {pay} WHERE kind = 'project' AND project_accepted_on IS NULL",
        "idle": f"SELECT id FROM read_parquet('{root}/fund_allocations/*.parquet') WHERE last_paid_on IS NULL",
    }
    return {kind: {row[0] for row in con.sql(q).fetchall()} for kind, q in rows.items()}


def finding_keys(found: dict[str, list[dict]]) -> dict[str, set]:
    return {
        "shared_account": {f"{r['county']}:{r['account_digest']}" for r in found["shared_account"]},
        "cadre_relative": {r["household_id"] for r in found["cadre_relative"]},
        "outlier": {r["household_id"] for r in found["outlier"]},
        "deceased": {r["id"] for r in found["deceased"]},
        "income_jump": {r["household_id"] for r in found["income_jump"]},
        "no_acceptance": {r["id"] for r in found["no_acceptance"]},
        "idle": {r["id"] for r in found["idle"]},
    }


def bench_params():
    """The rules' numbers of the bench (idle after 90 days, outlier at 3× the county's
    median per person, income jump at 2×), over the whole country."""
    from jingzhun.funds import alerts_sql

    return alerts_sql.Params(
        year=YEAR,
        today=TODAY,
        since=TODAY - dt.timedelta(days=90),
        factor=Decimal(3),
        ratio=Decimal(2),
        region=None,
    )


def naive_shared_accounts(con, root: Path, sample: int, total: int) -> float:
    """A query per payment (does another household of its county use its account?) over the Parquet: timed on
    ``sample`` payments, scaled to ``total``."""
    pay = f"read_parquet('{root}/fund_payments/**/*.parquet', hive_partitioning = true)"
    picked = con.sql(
        f"SELECT household_id, account_digest, substr(village, 1, 6) FROM {pay} WHERE kind = 'household' "
        f"USING SAMPLE {sample} ROWS"
    ).fetchall()
    started = time.perf_counter()
    for household, digest, county in picked:
        con.execute(
            f"SELECT count(*) FROM {pay} WHERE account_digest = ? AND household_id <> ? "
            "AND substr(village, 1, 6) = ?",
            [digest, household, county],
        ).fetchone()
    return (time.perf_counter() - started) / len(picked) * total


def _same(a: dict[str, list[dict]], b: dict[str, list[dict]]) -> bool:
    return finding_keys(a) == finding_keys(b)


# the outlier rule's tail before issue 21's Spark work: the county medians by GROUP BY, joined back
UNTUNED_OUTLIER_TAIL = """m AS (SELECT substr(village, 1, 6) AS county, median(each) AS county_median, count(*) AS n
      FROM s GROUP BY substr(village, 1, 6))
SELECT s.household_id, s.village, s.total, s.persons, m.county_median FROM s
JOIN m ON m.county = substr(s.village, 1, 6)
WHERE m.n >= 5 AND m.county_median > 0 AND s.each > m.county_median * {factor}"""


def _spark_pass(session, params, *, outlier: str | None = None) -> tuple[dict, dict, float]:
    from jingzhun.funds import alerts_sql

    queries = alerts_sql.queries(params)
    if outlier:
        queries["outlier"] = outlier
    found, timings = {}, {}
    started = time.perf_counter()
    for kind, q in queries.items():
        t = time.perf_counter()
        found[kind] = [r.asDict() for r in session.sql(q).collect()]
        timings[kind] = time.perf_counter() - t
    return found, timings, time.perf_counter() - started


def untuned(session, params, found) -> None:
    """Before and after issue 21 in the same JVM, both after the first (cold) pass: the rules with the session's
    settings and the outlier SQL from before (8 shuffle partitions, Spark's 10 MB broadcast threshold, the
    county medians by GROUP BY joined back), then again as they are now."""
    from jingzhun.funds import alerts_sql

    keys = ("spark.sql.shuffle.partitions", "spark.sql.autoBroadcastJoinThreshold")
    tuned = {k: session.conf.get(k) for k in keys}
    session.conf.set("spark.sql.shuffle.partitions", "8")
    session.conf.set("spark.sql.autoBroadcastJoinThreshold", str(10 * 2**20))
    now = alerts_sql.queries(params)["outlier"]
    old_outlier = now[: now.index("m AS (")] + UNTUNED_OUTLIER_TAIL.format(factor=params.factor)
    before, old_each, old = _spark_pass(session, params, outlier=old_outlier)
    for k, v in tuned.items():
        session.conf.set(k, v)
    after, new_each, new = _spark_pass(session, params)
    print(
        f"before (8 shuffle partitions, 10 MB broadcast, medians by GROUP BY), warm JVM: all 7 rules {old:.1f} s; "
        f"after, warm JVM: {new:.1f} s ({old / new:.2f}x); same findings: {_same(before, found) and _same(after, found)}"
    )
    for label, each in (("before", old_each), ("after", new_each)):
        print(f"  per rule {label}: " + ", ".join(f"{kind} {t:.1f} s" for kind, t in each.items()))


def duckdb_same_data(con, root: Path, params, found, payments: int) -> None:
    """The rules on DuckDB over the same files, timed, and whether they give Spark's findings."""
    from jingzhun.funds import alerts_sql

    rows, each = {}, []
    started = time.perf_counter()
    for kind, query in alerts_sql.queries(params).items():
        t = time.perf_counter()
        rows[kind] = alerts_sql._arrow(con.sql(alerts_sql.duckdb_sql(root, query))).to_pylist()
        each.append(f"{kind} {time.perf_counter() - t:.1f} s")
    seconds = time.perf_counter() - started
    print(
        f"DuckDB on the same data: all 7 rules {seconds:.1f} s = {payments / seconds:,.0f} payments/s; "
        f"same findings as Spark: {_same(rows, found)}"
    )
    print("  per rule: " + ", ".join(each))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True, help="the snapshot folder of the year to write")
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=620_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--rate", type=int, default=2000, help="one household in RATE is a planted case")
    parser.add_argument("--engine", choices=("duckdb", "pyspark"), default="duckdb")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory", default="8GB")
    parser.add_argument("--naive-sample", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--spark-untuned",
        action="store_true",
        help="with --engine pyspark: then the rules before issue 21's Spark work and after it, both warm",
    )
    args = parser.parse_args()

    # set here, not on import: tests/funds/test_alert_benches.py imports this module inside a test run
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    os.environ.setdefault("JINGZHUN_DATA_DIR", tempfile.mkdtemp(prefix="jz-bench-alerts-"))
    os.environ.pop("DATABASE_URL", None)  # no database is read: the rules run on the files alone
    import django

    django.setup()
    from jingzhun.core.spark import settings as spark_settings
    from jingzhun.funds import alerts_sql

    print(f"machine: {machine()}; engine {args.engine}; seed {args.seed}; planted 1 household in {args.rate}")
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    con = alerts_sql.connect(threads=args.threads, memory_limit=args.memory)
    started = time.perf_counter()
    sizes = generate(
        con, args.out, payments=args.payments, villages=args.villages, seed=args.seed, rate=args.rate
    )
    generated = time.perf_counter() - started
    disk = sum(f.stat().st_size for f in args.out.rglob("*.parquet")) / 2**20
    print(
        f"generated {sizes['payments']:,} payments over {sizes['households']:,} households, "
        f"{sizes['villages']:,} villages, {sizes['counties']:,} counties in {generated:.1f} s ({disk:,.0f} MiB)"
    )
    params = bench_params()
    started = time.perf_counter()
    if args.engine == "duckdb":
        found, each = {}, []
        for kind, query in alerts_sql.queries(params).items():
            t = time.perf_counter()
            found[kind] = alerts_sql._arrow(con.sql(alerts_sql.duckdb_sql(args.out, query))).to_pylist()
            each.append(f"{kind} {time.perf_counter() - t:.1f} s")
        print("  per rule: " + ", ".join(each))
    else:
        session = alerts_sql.spark_session()
        ready = time.perf_counter()
        print(
            f"spark session started in {ready - started:.1f} s (not counted); settings: "
            + ", ".join(f"{k}={v}" for k, v in spark_settings(session.sparkContext.master).items())
        )
        started = ready
        timings = {}
        found = alerts_sql.run_spark(args.out, params, session=session, timings=timings)
        print("  per rule: " + ", ".join(f"{kind} {t:.1f} s" for kind, t in timings.items()))
    seconds = time.perf_counter() - started
    rss = peak_rss_mib()
    print(
        f"all 7 rules on {args.engine}: {seconds:.1f} s = {sizes['payments'] / seconds:,.0f} payments/s; "
        f"peak RSS {rss:,.0f} MiB (this process{'; the Spark JVM not counted' if args.engine == 'pyspark' else ''})"
    )
    if args.engine == "pyspark":
        if args.spark_untuned:
            untuned(session, params, found)
        duckdb_same_data(con, args.out, params, found, sizes["payments"])
    planted = truth(
        con, args.out, payments=args.payments, households=sizes["households"], villages=sizes["villages"]
    )
    got = finding_keys(found)
    print(f"  {'rule':<16}{'planted':>9}{'found':>9}{'precision':>11}{'recall':>8}")
    for kind in planted:
        hit = len(got[kind] & planted[kind])
        precision = hit / len(got[kind]) if got[kind] else 1.0
        recall = hit / len(planted[kind]) if planted[kind] else 1.0
        print(f"  {kind:<16}{len(planted[kind]):>9,}{len(got[kind]):>9,}{precision:>11.3f}{recall:>8.3f}")
    naive = naive_shared_accounts(con, args.out, args.naive_sample, sizes["payments"])
    print(
        f"naive baseline (shared-account check alone, a query per payment over the same Parquet, "
        f"{args.naive_sample} timed, scaled): {naive:,.0f} s = {naive / 86400:,.1f} days; "
        f"{naive / seconds:,.0f}x the set-based run of all rules"
    )
    con.close()
    if not args.keep:
        shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
