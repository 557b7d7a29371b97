"""疑点数据核查 (issue 23): seconds to run every rule set-based over a county and over its province, against a naive
baseline — a Python loop over households, each read with its members and year and checked one by one — timed on
a sample and extrapolated to all households.

Read only: the rules' counts per village are computed (``quality.services.per_village``) and nothing is written,
so it may run on a shared bench database (``--database-url``). Without one it builds its own: a fresh PostgreSQL
database, the 雷山县 region extract, and ``demo-data`` households in that county (``--households``).

``--replicate K`` then copies every household K times in SQL (members with other valid ID numbers, years;
every column the tables have, so fields added later are copied too) and runs the rules again over the province:
a province-sized load on the same region tree, since the bundled region extract holds one county.

Usage: python bench/quality_bench.py [--households 20000] [--sample 500] [--database-url URL]
       [--county 522634000000] [--year 2026] [--replicate K]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from _common import fresh_database_url, jingzhun, machine, peak_rss_mib

sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def build(households: int) -> str:
    url = fresh_database_url("postgres", "jz_quality_bench")
    jingzhun(url, "migrate", "-v0")
    jingzhun(url, "regions", "load", "--extract")
    seconds, _out = jingzhun(
        url, "demo-data", "--region", "522634", "--households", str(households), "--years", "2025-2026",
        "--seed", "7",
    )  # fmt: skip
    print(f"generated {households:,} households in {seconds:.0f} s")
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")  # fresh tables: the planner's statistics, as autovacuum would leave them
    return url


def _columns(conn, table: str, given: tuple[str, ...]) -> str:
    """Every stored column of ``table`` but ``given`` (the ones a copy sets itself) and the generated ones: a field
    added to a model later is copied too, instead of failing the copy for a NOT NULL column it did not name."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER' "
        "AND column_name <> ALL(%s) ORDER BY ordinal_position",
        (table, ["id", *given]),
    ).fetchall()
    return ", ".join(name for (name,) in rows)


# GB 11643's check character of a 17-digit prefix, in SQL: the copies get other valid numbers (address code
# 52264k), so the unique index on active ID numbers holds and the ID rules see valid numbers
CHECK_SQL = (
    "substr('10X98765432', (("
    + " + ".join(
        f"substr(p, {i + 1}, 1)::int * {w}"
        for i, w in enumerate((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))
    )
    + ") % 11) + 1, 1)"
)


def replicate(url: str, copies: int) -> None:
    """Copy every household (members and years with it) ``copies`` times, set-based in SQL: a larger load on the
    same region tree (the extract holds one county), for the rules' scaling."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # the external identifiers (户编号, 人口编号 of the national system) are unique: the copies have none
        household_columns = _columns(conn, "registry_household", ("number", "national_number"))
        member_columns = _columns(conn, "registry_member", ("household_id", "id_number", "national_number"))
        year_columns = _columns(conn, "registry_householdyear", ("household_id",))

        def prefixed(alias: str, columns: str) -> str:
            return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))

        for k in range(1, copies + 1):
            started = time.perf_counter()
            conn.execute(
                f"INSERT INTO registry_household (number, national_number, {household_columns}) "
                f"SELECT number || 'c{k}', '', {household_columns} FROM registry_household WHERE number !~ 'c'"
            )
            conn.execute(
                f"INSERT INTO registry_member (household_id, id_number, national_number, {member_columns}) "
                f"SELECT c.id, p || {CHECK_SQL}, '', {prefixed('m', member_columns)} "
                "FROM registry_member m JOIN registry_household h ON h.id = m.household_id AND h.number !~ 'c' "
                f"JOIN registry_household c ON c.number = h.number || 'c{k}', "
                f"LATERAL (SELECT '52264' || '{k % 10}' || substr(m.id_number, 7, 11) AS p) q "
                "WHERE m.id_number ~ '^[0-9]{17}[0-9X]$'"
            )
            conn.execute(
                f"INSERT INTO registry_householdyear (household_id, {year_columns}) "
                f"SELECT c.id, {prefixed('y', year_columns)} "
                "FROM registry_householdyear y JOIN registry_household h ON h.id = y.household_id "
                f"AND h.number !~ 'c' JOIN registry_household c ON c.number = h.number || 'c{k}'"
            )
            print(f"copy {k}: {time.perf_counter() - started:.0f} s")
        conn.execute("ANALYZE")


def set_based(region: str, year: int) -> tuple[float, dict[str, float], int]:
    from jingzhun.quality import selectors
    from jingzhun.quality.rules import RULES, Scope
    from jingzhun.quality.services import per_village

    line = selectors.poverty_line(year=year, region_code=region)
    import datetime as dt

    scope = Scope(region_code=region, year=year, line=line, today=dt.date.today())
    per_rule, findings = {}, 0
    started = time.perf_counter()
    for rule in RULES:
        if rule.unavailable(scope):
            continue
        t = time.perf_counter()
        findings += sum(per_village(rule, scope).values())
        per_rule[rule.code] = time.perf_counter() - t
    return time.perf_counter() - started, per_rule, findings


def naive(region: str, year: int, sample: int) -> tuple[float, int]:
    """Seconds per household of the loop the rules replace: read one household, its members and its year, then
    check each rule in Python (the ID number through ``core.ids.parse_id_number``)."""
    import datetime as dt
    import re

    from django.core.exceptions import ValidationError

    from jingzhun.core.codes import subtree_range
    from jingzhun.core.ids import parse_id_number
    from jingzhun.quality import selectors
    from jingzhun.quality.rules import MOBILE, school_age
    from jingzhun.registry.choices import ACTIVE_STATUSES, Relationship
    from jingzhun.registry.models import Household, HouseholdYear, Member

    line = selectors.poverty_line(year=year, region_code=region)
    ids = list(
        Household.objects.filter(region__code__range=subtree_range(region), status__in=ACTIVE_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)[:sample]
    )
    after, up_to = school_age(year)
    findings = 0
    started = time.perf_counter()
    for pk in ids:
        h = Household.objects.get(pk=pk)
        members = list(Member.objects.filter(household=h, is_active=True))
        y = HouseholdYear.objects.filter(household=h, year=year).first()
        heads = [m for m in members if m.relationship == "head"]
        spouses = [m for m in members if m.relationship == "spouse"]
        findings += (len(heads) > 1) + (len(spouses) > 1) + (not heads)
        if h.phone and not re.match(MOBILE, h.phone):
            findings += 1
        for m in members:
            try:
                parse_id_number(m.id_number, today=dt.date.today())
            except ValidationError:
                findings += 1
            findings += m.relationship not in Relationship.values
            findings += (m.work_status != "none") == (m.months_worked == 0)
            findings += after < m.birth_date <= up_to and m.schooling == "none"
            findings += h.status == "exited" and not m.serious_illness_insurance
            if heads and m.relationship == "spouse":
                findings += int(m.id_number[16]) % 2 == int(heads[0].id_number[16]) % 2
            # duplicates: one lookup per person in the whole registry
            findings += Member.objects.filter(id_number=m.id_number, is_active=True).exclude(pk=m.pk).exists()
        if y is not None:
            findings += y.household_size != len(members)
            findings += h.status == "exited" and (
                (line is not None and y.per_capita_net < line) or y.house_grade in ("C", "D")
            )
    return (time.perf_counter() - started) / max(len(ids), 1), findings


def report(label: str, region: str, args) -> None:
    """Print the set-based run over ``region``'s subtree, and the naive loop's extrapolated time beside it."""
    from jingzhun.core.codes import subtree_range
    from jingzhun.registry.models import Household, Member

    households = Household.objects.filter(region__code__range=subtree_range(region)).count()
    persons = Member.objects.filter(household__region__code__range=subtree_range(region)).count()
    seconds, per_rule, findings = set_based(region, args.year)
    slowest = sorted(per_rule.items(), key=lambda kv: -kv[1])[:3]
    print(
        f"{label} {region}: {households:,} households, {persons:,} persons — set-based {seconds:.2f} s "
        f"({findings:,} findings; slowest {', '.join(f'{c} {s:.2f} s' for c, s in slowest)})"
    )
    each, _found = naive(region, args.year, args.sample)
    print(
        f"{label} naive loop: {each * 1000:.1f} ms/household on {args.sample} households → "
        f"{each * households:.1f} s for all ({each * households / max(seconds, 1e-9):.0f}× the set-based run)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--county", default="522634000000")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument(
        "--replicate", type=int, default=0,
        help="copy the households this many times first (SQL; a database of your own only: it writes)",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url or build(args.households)

    import django

    django.setup()
    from jingzhun.core.codes import PREFIX_LENGTH

    province = args.county[: PREFIX_LENGTH[1]].ljust(12, "0")
    print(f"machine: {machine()}")
    report("county", args.county, args)
    if (
        args.replicate
    ):  # the province-sized set: the county's households copied K times (the extract's one county)
        replicate(os.environ["DATABASE_URL"], args.replicate)
        report(f"province-sized (×{args.replicate + 1})", province, args)
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
