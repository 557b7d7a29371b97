"""Household exports (issue 23): the column-wise path (Arrow batches from SQL) against the row-at-a-time ORM
path it replaced (``bench/_orm_export.py``), on PostgreSQL.

Builds (once; reused when present) a database of N households with three members each and a yearly record, set
based in SQL over the villages of one province. Each measure runs in its own process so that its peak memory is
its own: CSV, Parquet and .xlsx of every person with the column-wise path, and the ORM path's CSV and .xlsx on
a sample (it is too slow for the whole). Our CSV and Parquet are measured three ways in the same run:
"columns-…", the cells made by DuckDB (``duck_cells``, the default), "database-…", the cells made by PostgreSQL
(``export.cells_sql``, the default before it), and "arrow-…", the cells made from Arrow columns in this process
(``cells="arrow"``, the reference and the path before that). Prints persons/s, seconds,
peak RSS, the ratio to the ORM baseline, the 1-minute load average when each measure ended (other processes
share the cores), the CPU seconds of the exporting process (all its threads) and the machine's other busy CPU
seconds meanwhile — on an otherwise quiet machine, the database server's share of the work.

The national layouts (户年度基础信息 + 人员信息, ``national_export``): the .zip of two GB18030 CSVs and the .xlsx,
column-wise against the ORM path they replaced (``bench/_orm_national_export.py``, on the sample), the same way.
``--national-only`` measures only these.

Usage: python bench/export_bench.py [--households 340000] [--sample 60000] [--rebuild] [--national-only]
                                    [--ours-only] [--repeat N]
       (340,000 households ≈ 1,020,000 persons; targets: ≥ 100,000 persons/s for CSV/Parquet, ≤ 1 GiB peak)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _common import PG_SERVER, jingzhun, machine, peak_rss_mib

DB_PREFIX = "jingzhun_bench_export"
PROVINCE = "52"  # 贵州: ~17,000 villages

# Columns given a value here; every other NOT NULL column takes its model default (a new field with a default
# needs nothing here).
HOUSEHOLD = {
    "number": "'B' || lpad(g::text, 11, '0')",
    "region_id": "v.code",
    "status": "(ARRAY['registered','registered','registered','exited','returned'])[1 + (g % 5)]",
    "attribute": "(ARRAY['general','dibao','wubao'])[1 + (g % 3)]",
    "main_cause": "(ARRAY['illness','disability','lack_capital','lack_skills'])[1 + (g % 4)]",
    "other_causes": "'[\"education\"]'::jsonb",
    "identified_year": "2014",
    "phone": "'1380000' || lpad((g % 10000)::text, 4, '0')",
    "head_name": "'户主' || g",
    "member_count": "3",
    "created_at": "now()",
    "updated_at": "now()",
}
MEMBER = {
    "household_id": "h.id",
    "name": "(ARRAY['户主','配偶','子女'])[k] || h.id",
    "id_number": "'52' || lpad((h.id * 3 + k)::text, 15, '0') || 'X'",
    "sex": "CASE WHEN k = 2 THEN '2' ELSE '1' END",
    "birth_date": "date '1970-01-01' + (h.id % 9000)::int",
    "relationship": "(ARRAY['head','spouse','son'])[k]",
    "education": "'primary'",
    "labour": "'ordinary'",
}
YEAR = {
    "household_id": "h.id",
    "year": "2016",
    "wage": "round((random() * 20000)::numeric, 2)",
    "business": "round((random() * 8000)::numeric, 2)",
    "property_income": "round((random() * 500)::numeric, 2)",
    "transfer_dibao": "round((random() * 2000)::numeric, 2)",
    "household_size": "3",
    "house_grade": "'B'",
}


def _literal(field) -> str:
    value = field.get_default()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | dict):
        return f"'{json.dumps(value)}'::jsonb"
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def _insert(model, given: dict[str, str], source: str) -> str:
    from django.db.models import GeneratedField

    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or isinstance(field, GeneratedField):
            continue
        if field.column in given:
            values.append(given[field.column])
        elif field.has_default():
            values.append(_literal(field))
        elif field.null:
            continue
        elif field.choices:
            values.append(f"'{field.choices[0][0]}'")
        elif field.empty_strings_allowed and field.get_internal_type() in {"CharField", "TextField"}:
            values.append("''")
        else:
            raise SystemExit(
                f"{model.__name__}.{field.name}: NOT NULL without a default — add it to the bench"
            )
        names.append(field.column)
    return f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()


def build(n: int, rebuild: bool) -> str:
    import psycopg

    DB = f"{DB_PREFIX}_{n}"  # one database per size: a run at 100 k does not drop the 1 M one
    url = f"{PG_SERVER}/{DB}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and not rebuild:
            with psycopg.connect(url) as db:
                count = db.execute("SELECT count(*) FROM registry_household").fetchone()[0]
                persons = db.execute("SELECT count(*) FROM registry_member").fetchone()[0]
            if count == n and persons == 3 * n:  # a build that stopped half-way is rebuilt
                print(f"reusing {DB} with {count:,} households")
                return url
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    jingzhun(url, "migrate", "-v0")
    seconds, _ = jingzhun(url, "regions", "load")
    print(f"regions loaded in {seconds:.0f} s")
    _setup(url)
    from jingzhun.core import crypto
    from jingzhun.registry.models import Household, HouseholdYear, Member

    # every household has its 一卡通 account, stored encrypted as the application stores it (a hundred tokens
    # reused: each row is still decrypted on its own by the export)
    tokens = ",".join(f"'{crypto.encrypt(f'621700000000{i:07d}')}'" for i in range(100))
    households = {
        **HOUSEHOLD,
        "bank_name": "'农村信用社'",
        "bank_account": f"(ARRAY[{tokens}])[1 + (g % 100)]",
    }
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TEMP TABLE v AS SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS rn "
            f"FROM regions_region WHERE level = 5 AND code LIKE '{PROVINCE}%'"
        )
        nv = conn.execute("SELECT count(*) FROM v").fetchone()[0]
        conn.execute(
            _insert(Household, households, f"generate_series(0, {n - 1}) g JOIN v ON v.rn = g % {nv}")
        )
        conn.execute(_insert(Member, MEMBER, "registry_household h CROSS JOIN generate_series(1, 3) k"))
        conn.execute(_insert(HouseholdYear, YEAR, "registry_household h"))
        conn.execute("VACUUM ANALYZE")
    print(
        f"built {n:,} households, {3 * n:,} persons over {nv:,} villages in {time.perf_counter() - started:.0f} s"
    )
    return url


def measure(url: str, what: str, households: int) -> None:
    """One measure in this process; prints a JSON line."""
    _setup(url)
    from django.db import connection

    from jingzhun.imports import export
    from jingzhun.registry.models import Household, Member

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _orm_export
    import _orm_national_export

    from jingzhun.imports import national_export

    qs = Household.objects.all()
    if households:
        last = Household.objects.order_by("pk").values_list("pk", flat=True)[households - 1]
        qs = qs.filter(pk__lte=last)
    persons = Member.objects.filter(household__in=qs, is_active=True).count()
    modules = {"orm": _orm_export, "columns": export, "database": export, "arrow": export,
               "orm_national": _orm_national_export, "national": national_export}  # fmt: skip
    module = modules[what.rsplit("-", 1)[0]]
    fmt = what.split("-")[-1]
    writer = (
        f"write_{fmt}_zip"
        if module in (_orm_national_export, national_export) and fmt == "csv"
        else f"write_{fmt}"
    )
    connection.close()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out.{fmt}"
        busy, own = _machine_busy(), _own_cpu()
        started = time.perf_counter()
        # "arrow-…": the cells made from Arrow columns in this process; "database-…": by PostgreSQL's query
        options = {"arrow": {"cells": "arrow"}, "database": {"cells": "postgresql"}}.get(
            what.split("-")[0], {}
        )
        getattr(module, writer)(path, qs, mask=True, year=None, **options)
        seconds = time.perf_counter() - started
        own = _own_cpu() - own
        others = (
            _machine_busy() - busy - own
        )  # the database's server processes (on an otherwise quiet machine)
        size = path.stat().st_size
    print(
        json.dumps(
            {
                "what": what,
                "persons": persons,
                "seconds": seconds,
                "rss": peak_rss_mib(),
                "mib": size / 2**20,
                "load": os.getloadavg()[0],
                "cpu": own,
                "server": others,
            }
        )
    )


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    """CPU seconds of this process, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(url: str, what: str, households: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", what, "--url", url, "--households", str(households)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _key(what: str) -> str:
    """The measure whose ORM baseline ``what`` is compared with (the same layout and format)."""
    return (
        what.replace("orm_national", "national").replace("orm", "columns").replace("arrow", "columns")
        .replace("database", "columns")
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=340_000)
    parser.add_argument("--sample", type=int, default=20_000, help="households of the ORM baseline and .xlsx")
    parser.add_argument(
        "--xlsx-households", type=int, default=0, help="households of the national .xlsx (0: all)"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--national-only", action="store_true", help="only the national layouts' measures")
    parser.add_argument("--ours-only", action="store_true", help="only our layout's measures")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of our CSV and Parquet measures, the three ways alternating",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.url, args.measure, args.households)
        return
    print(f"machine: {machine()}")
    url = build(args.households, args.rebuild)
    rounds = [
        (f"{how}-{fmt}", 0) for _ in range(args.repeat) for fmt in ("csv", "parquet")
        for how in ("arrow", "database", "columns")
    ]  # fmt: skip
    ours = [] if args.national_only else [
        ("orm-csv", args.sample), ("orm-xlsx", args.sample), *rounds, ("columns-xlsx", args.sample),
    ]  # fmt: skip
    national = [] if args.ours_only else [
        ("orm_national-csv", args.sample), ("orm_national-xlsx", args.sample), ("national-csv", 0),
        ("national-xlsx", args.xlsx_households),
    ]  # fmt: skip
    results = [run(url, what, households) for what, households in (*ours, *national)]
    # the baseline of each measure: the ORM path of the same layout and format, per person
    base = {_key(r["what"]): r["persons"] / r["seconds"] for r in results if r["what"].startswith("orm")}
    base["columns-parquet"] = base.get("columns-csv")  # the ORM Parquet path read rows as its CSV path
    print(
        f"{'path':<18}{'persons':>11}{'seconds':>9}{'persons/s':>11}{'× ORM':>7}{'peak RSS MiB':>14}{'file MiB':>10}"
        f"{'load':>6}{'CPU s':>7}{'server CPU s':>14}"
    )
    for r in results:
        rate = r["persons"] / r["seconds"]
        ratio = rate / base[_key(r["what"])]
        print(
            f"{r['what']:<18}{r['persons']:>11,}{r['seconds']:>9.1f}{rate:>11,.0f}{ratio:>7.1f}"
            f"{r['rss']:>14,.0f}{r['mib']:>10,.1f}{r['load']:>6.1f}{r['cpu']:>7.1f}{r['server']:>14.1f}"
        )


if __name__ == "__main__":
    main()
