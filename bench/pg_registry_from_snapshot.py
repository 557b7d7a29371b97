"""Load the first N households of a synthetic snapshot (`bench/national_snapshot.py`) into a PostgreSQL
registry (households, members, yearly records) with COPY, for the PostgreSQL side of `bench/rollup_bench.py`
and for timing `jingzhun snapshot` (ADBC) on a real database. ID numbers are placeholders (unique, not valid):
no service reads them here. The database must have its region codes loaded.

Usage: python bench/pg_registry_from_snapshot.py --snapshot DIR/2016 [--households 1000000]
       [--database postgres://…/jingzhun_bench_analytics]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.dataset as ds
from _common import PG_SERVER, machine, peak_rss_mib, required_fillers


def copy(conn, table: str, data: pa.Table) -> None:
    buffer = io.BytesIO()
    pa_csv.write_csv(data, buffer, pa_csv.WriteOptions(include_header=False))
    with conn.cursor().copy(
        f"COPY {table} ({', '.join(data.column_names)}) FROM STDIN WITH (FORMAT csv)"
    ) as cp:
        cp.write(buffer.getbuffer())


def plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database", default=f"{PG_SERVER}/jingzhun_bench_analytics")
    args = parser.parse_args()
    import psycopg

    year = json.loads((args.snapshot / "manifest.json").read_text())["year"]
    started = time.perf_counter()
    h = ds.dataset(args.snapshot / "households", partitioning="hive").to_table(
        filter=ds.field("id") <= args.households
    )
    m = ds.dataset(args.snapshot / "members", partitioning="hive").to_table(
        filter=ds.field("household_id") <= args.households
    )
    n, persons = h.num_rows, m.num_rows
    now = pa.array(["2026-11-24 00:00:00+00"] * n)
    village = plain(h["village"])
    households = pa.table(
        {
            "id": h["id"], "number": pc.binary_join_element_wise(village, pc.utf8_lpad(pc.cast(h["id"], pa.string()), 8, "0"), ""),
            "region_id": village, "status": plain(h["status"]), "identification_standard": plain(h["identification_standard"]),
            "attribute": plain(h["attribute"]), "main_cause": plain(h["main_cause"]), "other_causes": pa.array(["[]"] * n),
            "phone": pa.array([""] * n), "head_name": pa.array(["户主"] * n), "member_count": h["persons"],
            "created_at": now, "updated_at": now,
        }
    )  # fmt: skip
    members = pa.table(
        {
            "id": m["id"], "household_id": m["household_id"], "name": pa.array(["成员"] * persons),
            "id_number": pc.binary_join_element_wise("M", pc.utf8_lpad(pc.cast(m["id"], pa.string()), 17, "0"), ""), "disability_certificate": pa.array([""] * persons),
            "sex": plain(m["sex"]), "birth_date": m["birth_date"], "relationship": pa.array(["other"] * persons),
            "ethnicity": pa.array(["01"] * persons), "education": pa.array(["primary"] * persons),
            "schooling": plain(m["schooling"]), "health": plain(m["health"]), "labour": plain(m["labour"]),
            "work_status": pa.array(["none"] * persons), "months_worked": pa.array([0] * persons),
            "medical_insurance": m["medical_insurance"], "serious_illness_insurance": m["serious_illness_insurance"],
            "pension_insurance": pa.array([False] * persons), "dibao": m["dibao"], "is_active": pa.array([True] * persons),
        }
    )  # fmt: skip
    with_year = h.filter(h["has_year"])
    k = with_year.num_rows
    zero = pa.array([0] * k)
    money = ("business", "property_income", "property_dividend", "transfer_family_planning", "transfer_dibao",
             "transfer_wubao", "transfer_pension", "transfer_eco", "transfer_other", "business_expense")  # fmt: skip
    land = ("land_cultivated", "land_forest", "land_returned", "land_fruit", "land_pasture", "land_water")
    flags = ("power_production", "power_domestic", "broadcast_tv", "water_difficult", "sanitary_toilet",
             "cooperative", "leading_enterprise", "entrepreneur_leader")  # fmt: skip
    years = pa.table(
        {
            "household_id": with_year["id"], "year": pa.array([year] * k), "household_size": with_year["persons"],
            "wage": pc.round(pc.multiply(with_year["per_capita_net"], pc.cast(with_year["persons"], pa.float64())), 2),
            **dict.fromkeys(money, zero), **dict.fromkeys(land, zero), **dict.fromkeys(flags, pa.array([False] * k)),
            "water_safe": with_year["water_safe"], "road_type": pa.array([""] * k), "house_grade": plain(with_year["house_grade"]),
            "main_fuel": pa.array([""] * k),
        }
    )  # fmt: skip
    read = time.perf_counter() - started
    with psycopg.connect(args.database) as conn:
        conn.execute("TRUNCATE registry_householdyear, registry_member, registry_household CASCADE")
        for table, data in (("registry_household", households), ("registry_member", members),
                            ("registry_householdyear", years)):  # fmt: skip
            for column, value in required_fillers(
                conn, table, data.column_names
            ).items():  # fields added since
                data = data.append_column(column, pa.array([value] * data.num_rows))
            copy(conn, table, data)
        conn.execute("SELECT setval('registry_household_id_seq', (SELECT max(id) FROM registry_household))")
        conn.execute("SELECT setval('registry_member_id_seq', (SELECT max(id) FROM registry_member))")
    conn = psycopg.connect(args.database, autocommit=True)
    conn.execute("VACUUM ANALYZE registry_household, registry_member, registry_householdyear")
    print(f"machine: {machine()}")
    print(
        f"loaded {n:,} households, {persons:,} persons, {k:,} yearly records into {args.database.rsplit('/', 1)[-1]} "
        f"in {time.perf_counter() - started:.1f} s (reading {read:.1f} s); peak RSS {peak_rss_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main()
