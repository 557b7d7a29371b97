"""Helpers shared by the bench scripts: a fresh database per engine, peak memory, timing."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def peak_rss_mib() -> float:
    """Peak resident memory of this process and its finished children, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def fresh_database_url(engine: str, name: str, role: str | None = None) -> str:
    """An empty database for one bench run: a temp SQLite file, or a recreated PostgreSQL database — owned by
    ``role`` (an existing login role, as an application's would be) and connected to as it, when given."""
    if engine == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='jz-bench-')}/{name}.sqlite3"
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{role}"' if role else ""))
    if role:
        scheme, rest = PG_SERVER.split("://", 1)
        return f"{scheme}://{role}@{rest.rsplit('@', 1)[-1]}/{name}"
    return f"{PG_SERVER}/{name}"


def jingzhun(url: str, *args: str) -> tuple[float, str]:
    """Run a jingzhun command against ``url``; (seconds, output)."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"jingzhun {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM"


def required_fillers(conn, table: str, given) -> dict[str, object]:
    """The NOT NULL columns of ``table`` without a database default that a bench's bulk load does not give, each
    with a neutral value of its type ('' / false / 0 / '[]'): a field added to a model later (e.g. a household's
    national number) does not break the loads, which fill only the columns their queries read."""
    neutral = {"boolean": False, "integer": 0, "bigint": 0, "smallint": 0, "numeric": 0, "jsonb": "[]"}
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL",
        (table,),
    ).fetchall()
    return {name: neutral.get(kind, "") for name, kind in rows if name not in set(given)}
