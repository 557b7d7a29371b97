"""A national synthetic registry written straight to Parquet, in the snapshot layout the indicators read.

30,000,000 households and ~90,000,000 persons by default, over every real village of a database whose region
codes are loaded (`jingzhun regions load`), 2 % of villages in 贫困村-like clusters; distributions from the demo
generator (statuses, causes, household sizes, income around the year's mean, insurance, schooling). Vectorised
with NumPy per province; strings are Arrow dictionaries, so memory stays at one province at a time.
Prints rows, seconds, size on disk and peak RSS.

--years 3 writes the same households and persons for three consecutive years ending with --year (what the early
warning's features read: incomes keep a household level plus yearly noise, a few villages have a bad year, some
statuses, health states and house grades change), so that `bench/warning_bench.py --score-snapshot DIR` can score it.

Usage: python bench/national_snapshot.py --out DIR [--households 30000000] [--year 2016] [--years 1]
       [--database postgres://…/jingzhun_bench_analytics | sqlite:///…/jingzhun.sqlite3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from _common import PG_SERVER, machine, peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")

# Household sizes: ~3.1 persons a household nationally (DOMAIN.md §1: 90 M persons in 29–30 M households), smaller
# than the demo county's mountain households.
NATIONAL_SIZES = {1: 16, 2: 25, 3: 22, 4: 18, 5: 11, 6: 5, 7: 3}
WEST = {"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}


def villages_of(database: str) -> list[str]:
    """The village codes of a PostgreSQL URL, or of a SQLite file (``sqlite:///path`` or a path)."""
    query = "SELECT code FROM regions_region WHERE level = 5 ORDER BY code"
    if database.startswith("postgres"):
        import psycopg

        with psycopg.connect(database) as conn:
            return [r[0] for r in conn.execute(query)]
    import sqlite3

    with sqlite3.connect(database.removeprefix("sqlite:///")) as conn:
        return [r[0] for r in conn.execute(query)]


def weights(d: dict) -> tuple[list[str], np.ndarray]:
    keys = [str(getattr(k, "value", k)) for k in d]
    w = np.array(list(d.values()), dtype=float)
    return keys, w / w.sum()


def categorical(rng, n: int, table: dict) -> pa.DictionaryArray:
    keys, p = weights(table)
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.choice(len(keys), n, p=p).astype(np.int8)), pa.array(keys)
    )


# The synthetic registry's mix in the 攻坚期 (the demo builds its history year by year instead): mean per-capita
# net income of registered households by year, and the statuses at the snapshot's year end.
INCOME_MEAN = {
    2013: 2200,
    2014: 2600,
    2015: 2982,
    2016: 3600,
    2017: 4500,
    2018: 6000,
    2019: 8000,
    2020: 10740,
}
STATUS_WEIGHTS = {"registered": 82, "exited": 14, "returned": 2, "unidentified": 2, "monitored": 1}


# a year's shocks, so that the features' history (income changes, new illness, damaged houses, village falls) moves:
# the household keeps a lasting income level, each year adds its own noise; a few villages have a bad year (a
# disaster: a third of their households lose 30–60 % of their income); some statuses, health and house grades change
HOUSEHOLD_SIGMA, YEARLY_SIGMA = 0.5, 0.33  # together the demo's spread of 0.6
BAD_VILLAGES, BAD_SHARE = 0.03, 0.35
STATUS_CHANGE, HEALTH_CHANGE, HOUSE_CHANGE = 0.08, 0.05, 0.03


def province_tables(
    rng, villages: np.ndarray, share: np.ndarray, n: int, first_id: int, first_member: int, years: list[int]
):
    """One province's households, members and plans, for each of ``years`` in turn (yields the year and its
    three tables): the same households and persons every year, their incomes, statuses, health and houses moving."""
    from jingzhun.registry import demo
    from jingzhun.registry.choices import Attribute

    v_index = rng.choice(len(villages), n, p=share).astype(np.int32)
    v_index.sort()  # households arrive village by village, as imports do
    village = pa.DictionaryArray.from_arrays(pa.array(v_index), pa.array(villages))
    sizes_k, sizes_p = weights(NATIONAL_SIZES)
    persons = np.array(sizes_k, dtype=np.int64)[rng.choice(len(sizes_k), n, p=sizes_p)]
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    level = rng.normal(0, HOUSEHOLD_SIGMA, n)  # the household's lasting income level
    status = categorical(rng, n, STATUS_WEIGHTS)
    attribute = categorical(rng, n, {Attribute.GENERAL: 70, Attribute.DIBAO: 25, Attribute.WUBAO: 5})
    main_cause = categorical(rng, n, demo.CAUSE_WEIGHTS)
    house = categorical(rng, n, {"A": 45, "B": 35, "C": 14, "D": 6})
    water_safe = rng.random(n) < 0.8
    has_cadre = rng.random(n) < 0.95
    m = int(persons.sum())
    owner = np.repeat(np.arange(n), persons)
    age = np.clip(rng.normal(38, 21, m), 0, 95).astype(np.int32)
    birth = (np.datetime64(f"{years[0]}-01-01") - (age * 365.25).astype("timedelta64[D]")).astype(
        "datetime64[D]"
    )
    born = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    sex = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, 2, m).astype(np.int8)), pa.array(["1", "2"])
    )
    health = categorical(rng, m, {"healthy": 70, "chronic": 16, "serious": 7, "disabled": 7})
    labour = categorical(rng, m, {"ordinary": 45, "skilled": 10, "weak": 15, "lost": 10, "none": 20})
    medical = rng.random(m) < 0.97
    serious_insured = rng.random(m) < 0.93
    dibao = rng.random(m) < 0.2
    in_school = rng.random(m) < 0.985
    member_ids = np.arange(first_member, first_member + m, dtype=np.int64)
    from jingzhun.identification.rules import COMPULSORY_SCHOOL_AGES

    def redraw(current: pa.DictionaryArray, share: float, table: dict) -> pa.DictionaryArray:
        fresh = categorical(rng, len(current), table)
        changed = rng.random(len(current)) < share
        indices = np.where(changed, fresh.indices.to_numpy(), current.indices.to_numpy()).astype(np.int8)
        return pa.DictionaryArray.from_arrays(pa.array(indices), current.dictionary)

    for k, year in enumerate(years):
        if k:
            status = redraw(status, STATUS_CHANGE, STATUS_WEIGHTS)
            health = redraw(
                health, HEALTH_CHANGE, {"healthy": 70, "chronic": 16, "serious": 7, "disabled": 7}
            )
            house = redraw(house, HOUSE_CHANGE, {"A": 45, "B": 35, "C": 14, "D": 6})
        mean = INCOME_MEAN.get(year, 3600)
        bad = (rng.random(len(villages)) < BAD_VILLAGES)[v_index] & (rng.random(n) < BAD_SHARE)
        shock = np.where(bad, rng.uniform(0.4, 0.7, n), 1.0)
        per_capita = np.round(np.exp(np.log(mean) - 0.18 + level + rng.normal(0, YEARLY_SIGMA, n)) * shock, 2)
        has_year = rng.random(n) < 0.97
        households = pa.table(
            {
                "id": ids,
                "village": village,
                "status": status,
                "attribute": attribute,
                "main_cause": main_cause,
                "identification_standard": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int8)), pa.array(["national"])),
                "persons": persons,
                "has_year": has_year,
                "per_capita_net": np.where(has_year, per_capita, 0.0),
                "net_income": np.where(has_year, per_capita * persons, 0.0),
                "house_grade": house,
                "water_safe": water_safe,
                "has_cadre": has_cadre,
            }
        )  # fmt: skip
        years_old = year - born
        schooling = np.where(
            (years_old >= 6) & (years_old <= 15) & in_school, 2, np.where(years_old < 6, 1, 0)
        ).astype(np.int8)
        members = pa.table(
            {
                "id": member_ids,
                "household_id": ids[owner],
                "village": pa.DictionaryArray.from_arrays(pa.array(v_index[owner]), pa.array(villages)),
                "sex": sex,
                "birth_date": pa.array(birth, type=pa.date32()),
                "schooling": pa.DictionaryArray.from_arrays(pa.array(schooling), pa.array(["none", "preschool", "primary"])),
                "health": health,
                "labour": labour,
                "medical_insurance": medical,
                "serious_illness_insurance": serious_insured,
                "dibao": dibao,
            }
        )  # fmt: skip
        # the households' member flags, worked out as the snapshot query does (sources.member_flags): a member of
        # compulsory-school age in the year (by birth year) out of school; a member without either insurance
        school_age = (years_old >= min(COMPULSORY_SCHOOL_AGES)) & (years_old <= max(COMPULSORY_SCHOOL_AGES))
        out_of_school = school_age & (schooling < 2)
        uninsured = ~(medical & serious_insured)
        households = households.append_column(
            "out_of_school", pa.array(np.bincount(owner, weights=out_of_school, minlength=n) > 0)
        ).append_column("uninsured", pa.array(np.bincount(owner, weights=uninsured, minlength=n) > 0))
        planned = rng.random(n) < 0.85
        chosen = np.flatnonzero(planned)
        plans = pa.table(
            {
                "id": ids[chosen],
                "household_id": ids[chosen],
                "village": pa.DictionaryArray.from_arrays(pa.array(v_index[chosen]), pa.array(villages)),
                "year": np.full(len(chosen), year, dtype=np.int64),
                "measures": rng.integers(1, 5, len(chosen)).astype(np.int64),
                "planned": np.round(rng.lognormal(8, 0.7, len(chosen)), 2),
                "actual": np.round(rng.lognormal(7.8, 0.8, len(chosen)), 2),
            }
        )
        yield year, households, members, plans


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--households", type=int, default=30_000_000)
    parser.add_argument("--year", type=int, default=2016, help="the last year written")
    parser.add_argument(
        "--years",
        type=int,
        default=1,
        help="consecutive years ending with --year (3: the early warning's history)",
    )
    parser.add_argument("--database", default=f"{PG_SERVER}/jingzhun_bench_analytics")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    import django

    django.setup()
    from jingzhun.registry.demo import LINE

    started = time.perf_counter()
    villages = np.array(villages_of(args.database))
    if len(villages) == 0:
        raise SystemExit(f"no villages in {args.database}: run `jingzhun regions load` there first")
    rng = np.random.default_rng(args.seed)
    provinces = np.array([v[:2] for v in villages])
    # poor households cluster in the west and in a few villages (贫困村): village weights are heavy-tailed
    village_weight = rng.pareto(1.5, len(villages)) + 0.2
    village_weight *= np.where(np.isin(provinces, list(WEST)), 3.0, 1.0)
    village_weight /= village_weight.sum()
    years = list(range(args.year - args.years + 1, args.year + 1))
    for year in years:
        shutil.rmtree(args.out / str(year), ignore_errors=True)
    rows = {year: {"households": 0, "members": 0, "plans": 0} for year in years}
    first_id = first_member = 1
    for province in sorted(set(provinces)):
        mask = provinces == province
        n = round(float(args.households * village_weight[mask].sum()))
        if n == 0:
            continue
        share = village_weight[mask] / village_weight[mask].sum()
        for year, *tables in province_tables(rng, villages[mask], share, n, first_id, first_member, years):
            for name, table in zip(("households", "members", "plans"), tables, strict=True):
                target = args.out / str(year) / name / f"province={province}"
                target.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, target / "part-0.parquet", row_group_size=1_000_000)
                rows[year][name] += table.num_rows
        first_id += n
        first_member += tables[1].num_rows
        print(f"  province {province}: {n:,} households, {tables[1].num_rows:,} persons", flush=True)
    province_codes = sorted(set(provinces))
    for year in years:
        root = args.out / str(year)
        line = float(LINE.get(year, 2952))
        for name, table in (
            ("lines", pa.table({"province": province_codes, "line": [line] * len(province_codes)})),
            ("population", pa.table({"village": villages, "persons": rng.integers(400, 3000, len(villages))})),
            ("regions", pa.table({"code": villages, "name": villages, "level": np.full(len(villages), 5), "parent": [v[:9] + "000" for v in villages]})),
        ):  # fmt: skip
            (root / name).mkdir(parents=True, exist_ok=True)
            pq.write_table(table, root / name / "part-0.parquet")
        (root / "manifest.json").write_text(json.dumps({"year": year, "rows": rows[year], "synthetic": True}))
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for y in years for f in (args.out / str(y)).rglob("*.parquet")) / 2**20
    last = rows[args.year]
    persons = sum(r["members"] for r in rows.values())
    print(f"machine: {machine()}")
    print(
        f"wrote {last['households']:,} households, {last['members']:,} persons, {last['plans']:,} plans over "
        f"{len(villages):,} villages"
        + (f", for each of {years[0]}–{years[-1]}," if len(years) > 1 else "")
        + f" in {seconds:.1f} s ({persons / seconds:,.0f} persons/s); "
        f"{size:,.0f} MiB on disk; peak RSS {peak_rss_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main()
