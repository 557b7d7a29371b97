"""A national synthetic registry written straight to Parquet, in the snapshot layout the indicators read.

30,000,000 households and ~90,000,000 persons by default, over every real village of a database whose region
codes are loaded (`jingzhun regions load`), 2 % of villages in 贫困村-like clusters; distributions from the demo
generator (statuses, causes, household sizes, income around the year's mean, insurance, schooling). Vectorised
with NumPy per province; strings are Arrow dictionaries, so memory stays at one province at a time.
Prints rows, seconds, size on disk and peak RSS.

Usage: python bench/national_snapshot.py --out DIR [--households 30000000] [--year 2016]
       [--database postgres://…/jingzhun_bench_analytics]
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
    import psycopg

    with psycopg.connect(database) as conn:
        return [r[0] for r in conn.execute("SELECT code FROM regions_region WHERE level = 5 ORDER BY code")]


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


def province_tables(
    rng, villages: np.ndarray, share: np.ndarray, n: int, first_id: int, first_member: int, year: int
):
    """One province's households, members and plans."""
    from jingzhun.registry import demo
    from jingzhun.registry.choices import Attribute

    v_index = rng.choice(len(villages), n, p=share).astype(np.int32)
    v_index.sort()  # households arrive village by village, as imports do
    village = pa.DictionaryArray.from_arrays(pa.array(v_index), pa.array(villages))
    sizes_k, sizes_p = weights(NATIONAL_SIZES)
    persons = np.array(sizes_k, dtype=np.int64)[rng.choice(len(sizes_k), n, p=sizes_p)]
    mean = INCOME_MEAN.get(year, 3600)
    per_capita = np.round(rng.lognormal(np.log(mean) - 0.18, 0.6, n), 2)
    has_year = rng.random(n) < 0.97
    households = pa.table(
        {
            "id": np.arange(first_id, first_id + n, dtype=np.int64),
            "village": village,
            "status": categorical(rng, n, STATUS_WEIGHTS),
            "attribute": categorical(rng, n, {Attribute.GENERAL: 70, Attribute.DIBAO: 25, Attribute.WUBAO: 5}),
            "main_cause": categorical(rng, n, demo.CAUSE_WEIGHTS),
            "identification_standard": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int8)), pa.array(["national"])),
            "persons": persons,
            "has_year": has_year,
            "per_capita_net": np.where(has_year, per_capita, 0.0),
            "net_income": np.where(has_year, per_capita * persons, 0.0),
            "house_grade": categorical(rng, n, {"A": 45, "B": 35, "C": 14, "D": 6}),
            "water_safe": rng.random(n) < 0.8,
            "has_cadre": rng.random(n) < 0.95,
        }
    )  # fmt: skip
    m = int(persons.sum())
    owner = np.repeat(np.arange(n), persons)
    age = np.clip(rng.normal(38, 21, m), 0, 95).astype(np.int32)
    birth = (np.datetime64(f"{year}-01-01") - (age * 365.25).astype("timedelta64[D]")).astype("datetime64[D]")
    pupils = (age >= 6) & (age <= 15)
    schooling = np.where(pupils & (rng.random(m) < 0.985), 2, np.where(age < 6, 1, 0)).astype(np.int8)
    members = pa.table(
        {
            "id": np.arange(first_member, first_member + m, dtype=np.int64),
            "household_id": households["id"].to_numpy()[owner],
            "village": pa.DictionaryArray.from_arrays(pa.array(v_index[owner]), pa.array(villages)),
            "sex": pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 2, m).astype(np.int8)), pa.array(["1", "2"])),
            "birth_date": pa.array(birth, type=pa.date32()),
            "schooling": pa.DictionaryArray.from_arrays(pa.array(schooling), pa.array(["none", "preschool", "primary"])),
            "health": categorical(rng, m, {"healthy": 70, "chronic": 16, "serious": 7, "disabled": 7}),
            "labour": categorical(rng, m, {"ordinary": 45, "skilled": 10, "weak": 15, "lost": 10, "none": 20}),
            "medical_insurance": rng.random(m) < 0.97,
            "serious_illness_insurance": rng.random(m) < 0.93,
            "dibao": rng.random(m) < 0.2,
        }
    )  # fmt: skip
    # the households' member flags, worked out as the snapshot query does (sources.member_flags): a member of
    # compulsory-school age in the year (by birth year) out of school; a member without either insurance
    from jingzhun.identification.rules import COMPULSORY_SCHOOL_AGES

    years_old = year - (birth.astype("datetime64[Y]").astype(np.int64) + 1970)
    school_age = (years_old >= min(COMPULSORY_SCHOOL_AGES)) & (years_old <= max(COMPULSORY_SCHOOL_AGES))
    out_of_school = school_age & (schooling < 2)
    uninsured = ~(members["medical_insurance"].to_numpy() & members["serious_illness_insurance"].to_numpy())
    households = households.append_column(
        "out_of_school", pa.array(np.bincount(owner, weights=out_of_school, minlength=n) > 0)
    ).append_column("uninsured", pa.array(np.bincount(owner, weights=uninsured, minlength=n) > 0))
    planned = rng.random(n) < 0.85
    chosen = np.flatnonzero(planned)
    plans = pa.table(
        {
            "id": households["id"].to_numpy()[chosen],
            "household_id": households["id"].to_numpy()[chosen],
            "village": pa.DictionaryArray.from_arrays(pa.array(v_index[chosen]), pa.array(villages)),
            "year": np.full(len(chosen), year, dtype=np.int64),
            "measures": rng.integers(1, 5, len(chosen)).astype(np.int64),
            "planned": np.round(rng.lognormal(8, 0.7, len(chosen)), 2),
            "actual": np.round(rng.lognormal(7.8, 0.8, len(chosen)), 2),
        }
    )
    return households, members, plans


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--households", type=int, default=30_000_000)
    parser.add_argument("--year", type=int, default=2016)
    parser.add_argument("--database", default=f"{PG_SERVER}/jingzhun_bench_analytics")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    import django

    django.setup()
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
    root = args.out / str(args.year)
    shutil.rmtree(root, ignore_errors=True)
    rows = {"households": 0, "members": 0, "plans": 0}
    first_id = first_member = 1
    for province in sorted(set(provinces)):
        mask = provinces == province
        n = round(float(args.households * village_weight[mask].sum()))
        if n == 0:
            continue
        share = village_weight[mask] / village_weight[mask].sum()
        tables = province_tables(rng, villages[mask], share, n, first_id, first_member, args.year)
        for name, table in zip(("households", "members", "plans"), tables, strict=True):
            target = root / name / f"province={province}"
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target / "part-0.parquet", row_group_size=1_000_000)
            rows[name] += table.num_rows
        first_id += n
        first_member += tables[1].num_rows
        print(f"  province {province}: {n:,} households, {tables[1].num_rows:,} persons", flush=True)
    for name, table in (
        ("lines", pa.table({"province": sorted(set(provinces)), "line": [2952.0] * len(set(provinces))})),
        ("population", pa.table({"village": villages, "persons": rng.integers(400, 3000, len(villages))})),
        ("regions", pa.table({"code": villages, "name": villages, "level": np.full(len(villages), 5), "parent": [v[:9] + "000" for v in villages]})),
    ):  # fmt: skip
        (root / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, root / name / "part-0.parquet")
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in root.rglob("*.parquet")) / 2**20
    (root / "manifest.json").write_text(json.dumps({"year": args.year, "rows": rows, "synthetic": True}))
    print(f"machine: {machine()}")
    print(
        f"wrote {rows['households']:,} households, {rows['members']:,} persons, {rows['plans']:,} plans over "
        f"{len(villages):,} villages in {seconds:.1f} s ({rows['members'] / seconds:,.0f} persons/s); "
        f"{size:,.0f} MiB on disk; peak RSS {peak_rss_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main()
