"""Registration import speed on PostgreSQL and SQLite, with two baselines measured in the same run.

- ``jingzhun import FILE`` (full validation, audit, all-or-nothing): persons/s and the process's peak RSS;
- naive ORM baseline: one ``save()`` per household and per member, no validation, no audit;
- raw baseline: the same person rows bulk-inserted into a bare table with no validation (PostgreSQL COPY,
  SQLite executemany) — the practical limit;
- tables baseline: the rows the import stored (households, members, years) copied into the registry's own
  tables of a fresh database, indexes and foreign keys included, commit included — what the schema costs.
The import runs ``--runs`` times into a fresh database each time; the median is reported (this machine is
shared and noisy), with the import's own time (start-up excluded) beside the whole command's. On PostgreSQL it
runs as an ordinary application role that owns its database and was granted ``SET ON PARAMETER
session_replication_role`` (docs/operations.md: the import then vouches for its foreign keys), and once more as
a role without that grant (the database checks them at the commit).
Then exports what was imported to .xlsx and .parquet (seconds, peak RSS).
Usage: python bench/import_bench.py [--persons 100000] [--engines postgres,sqlite] [--runs 3]
"""

import argparse
import csv
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import PG_SERVER, ROOT, fresh_database_url, jingzhun, machine

RSS = (
    "import resource,subprocess,sys;d=subprocess.run(sys.argv[1:],capture_output=True,text=True);"
    "sys.stdout.write(d.stdout);sys.stderr.write(d.stderr);"
    "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed_with_rss(url: str, *args: str) -> tuple[float, float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RSS, sys.executable, "-m", "jingzhun.cli", *args],
        env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = int(re.search(r"PEAK (\d+)", done.stdout).group(1)) / 1024
    if "新增" not in done.stdout and "已导出" not in done.stdout:
        raise SystemExit(f"command failed: {args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, peak, done.stdout


def naive_orm(url: str, path: Path, limit: int) -> float:
    """One save() per household and member for the first ``limit`` persons; persons/s."""
    code = f"""
import csv, datetime as dt, time, django
django.setup()
from jingzhun.registry.models import Household, Member
rows = list(csv.DictReader(open({str(path)!r}, encoding='utf-8')))[:{limit}]
t = time.perf_counter(); households = {{}}
for i, r in enumerate(rows):
    key = r['户主公民身份号码']
    if key not in households:
        h = Household(number=r['所在村区划代码'] + f'{{i:05d}}', region_id=r['所在村区划代码'], attribute='general', main_cause='illness')
        h.save(); households[key] = h
    n = r['公民身份号码']
    Member(household=households[key], name=r['姓名'], id_number=n, sex='1', birth_date=dt.date(int(n[6:10]), int(n[10:12]), int(n[12:14])),
           relationship='head', education='primary', labour='ordinary').save()
print(len(rows) / (time.perf_counter() - t))
"""
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def raw_insert(engine: str, url: str, path: Path) -> float:
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    columns = ", ".join(f"c{i} text" for i in range(len(header)))
    started = time.perf_counter()
    if engine == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute(f"CREATE TABLE raw ({columns})")
        conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", rows)
        conn.commit()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(f"CREATE TABLE raw ({columns})")
            with conn.cursor().copy("COPY raw FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return len(rows) / (time.perf_counter() - started)


TABLES = ("registry_household", "registry_member", "registry_householdyear")


def tables_copy(engine: str, source: str, target: str) -> tuple[float, int]:
    """Copy the registry rows of ``source`` into the same tables of ``target`` (fresh, migrated, regions
    loaded) in one transaction; (seconds, rows). Nothing is validated and nothing is audited."""
    if engine == "sqlite":
        src = sqlite3.connect(source.removeprefix("sqlite:///"))
        names = {  # stored columns only: generated ones are computed on insert
            t: ", ".join(r[1] for r in src.execute(f"PRAGMA table_xinfo({t})") if r[6] == 0) for t in TABLES
        }
        data = {t: src.execute(f"SELECT {names[t]} FROM {t}").fetchall() for t in TABLES}
        dst = sqlite3.connect(target.removeprefix("sqlite:///"))
        started = time.perf_counter()
        for table, rows in data.items():
            marks = ", ".join("?" * len(rows[0]))
            dst.executemany(f"INSERT INTO {table} ({names[table]}) VALUES ({marks})", rows)
        dst.commit()
        return time.perf_counter() - started, sum(len(r) for r in data.values())
    import psycopg

    data = {}
    with psycopg.connect(source) as src:
        for table in TABLES:
            with src.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                data[table] = b"".join(bytes(chunk) for chunk in copy)
    started = time.perf_counter()
    with psycopg.connect(target) as dst:
        for table, payload in data.items():
            with dst.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                copy.write(payload)
    seconds = time.perf_counter() - started  # the commit (foreign-key checks) included
    return seconds, sum(p.count(b"\n") for p in data.values())


# A year's registration file carries statuses: loaded as history (the yearly load of a national file), as of the
# year make_registration_file writes by default.
HISTORY = ("--history-year", "2016")
APP_ROLE, PLAIN_ROLE = "jingzhun_bench_app", "jingzhun_bench_plain"  # with and without the grant


def fresh_registry(engine: str, name: str, role: str | None = None) -> str:
    url = fresh_database_url(engine, name, role)
    jingzhun(url, "migrate", "-v0")
    jingzhun(url, "regions", "load", "--extract")
    return url


def imports(
    engine: str, path: Path, runs: int, role: str | None, name: str = "jingzhun_bench_import"
) -> tuple[list[tuple[float, float, float]], str]:
    """``runs`` imports of ``path``, each into a fresh database: [(whole s, in-import s, peak MiB)], last url."""
    done = []
    for _ in range(runs):
        url = fresh_registry(engine, name, role)
        seconds, peak, text = timed_with_rss(url, "import", str(path), "-v0", *HISTORY)
        done.append((seconds, float(re.search(r"用时 ([0-9.]+) 秒", text).group(1)), peak))
    return done, url


def grant_app_role() -> None:
    """The two application roles, only the first allowed to set session_replication_role."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        for role in (APP_ROLE, PLAIN_ROLE):
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                conn.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
        conn.execute(f'GRANT SET ON PARAMETER session_replication_role TO "{APP_ROLE}"')
        conn.execute(f'REVOKE SET ON PARAMETER session_replication_role FROM "{PLAIN_ROLE}"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--engines", default="postgres,sqlite")
    parser.add_argument("--naive", type=int, default=5000, help="persons for the naive ORM baseline")
    parser.add_argument("--runs", type=int, default=3, help="imports per engine; the median is reported")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    path = out / f"registration-{args.persons}.csv"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_registration_file.py"), str(path),
                        "--persons", str(args.persons)], check=True)  # fmt: skip
    limit_mb = str(max(100, int(path.stat().st_size / 2**20) + 1))
    os.environ["JINGZHUN_IMPORT_MAX_MB"] = limit_mb
    print(f"machine: {machine()}")
    print(f"file: {path.name}, {path.stat().st_size / 2**20:.1f} MiB, {args.persons:,} persons")
    for engine in args.engines.split(","):
        postgres = engine == "postgres"
        if postgres:
            grant_app_role()
        runs, url = imports(engine, path, args.runs, APP_ROLE if postgres else None)
        seconds = statistics.median(r[0] for r in runs)
        inside = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        rate, rate_inside = args.persons / seconds, args.persons / inside
        again, again_peak, text = timed_with_rss(
            url, "import", str(path), "-v0", *HISTORY
        )  # the same file once more
        again_inside = float(re.search(r"用时 ([0-9.]+) 秒", text).group(1))
        print(
            f"{engine:<9} re-import of the unchanged file: {again:.1f} s whole command, {again_inside:.1f} s in the "
            f"import ({again_inside / inside:.2f}× the fresh import's), peak RSS {again_peak:,.0f} MiB"
        )
        naive = naive_orm(fresh_registry(engine, "jingzhun_bench_naive"), path, args.naive)
        raw = raw_insert(engine, fresh_database_url(engine, "jingzhun_bench_raw"), path)
        copy_s, copy_rows = tables_copy(engine, url, fresh_registry(engine, "jingzhun_bench_tables"))
        spread = ", ".join(f"{r[1]:.1f}" for r in runs)
        print(
            f"{engine:<9} import {rate:9,.0f} persons/s whole command ({seconds:.1f} s), "
            f"{rate_inside:9,.0f} persons/s in the import ({inside:.1f} s; runs {spread} s), peak RSS {peak:,.0f} MiB"
        )
        print(
            f"{engine:<9} baselines: naive ORM {naive:8,.0f}/s (import is {rate_inside / naive:.1f}×) | raw insert "
            f"{raw:9,.0f} rows/s (import is {rate_inside / raw:.2f} of it) | same rows into the registry tables "
            f"{args.persons / copy_s:9,.0f} persons/s ({copy_rows:,} rows, {copy_s:.1f} s; import is "
            f"{rate_inside * copy_s / args.persons:.2f} of it)"
        )
        if postgres:
            plain, _url = imports(engine, path, 1, PLAIN_ROLE, "jingzhun_bench_plain")
            print(
                f"{engine:<9} import as a role without the grant (foreign keys checked at the commit): "
                f"{args.persons / plain[0][0]:9,.0f} persons/s whole command ({plain[0][0]:.1f} s), "
                f"{args.persons / plain[0][1]:9,.0f} persons/s in the import ({plain[0][1]:.1f} s)"
            )
        if args.no_export:
            continue
        for suffix in ("xlsx", "parquet"):
            target = out / f"export.{suffix}"
            seconds, peak, text = timed_with_rss(url, "export", str(target))
            print(
                f"{engine:<9} export .{suffix:<8} {seconds:6.1f} s, peak RSS {peak:,.0f} MiB — "
                f"{text.split('PEAK')[0].strip()}"
            )


if __name__ == "__main__":
    main()
