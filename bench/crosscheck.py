"""四不列 cross-check speed: a county's applying households (default 100,000 persons) against a department list
(default 1,000,000 rows, 1 % of them members), on PostgreSQL and SQLite.

Prints, per engine: the whole upload (read + validate every ID + store + compare) in seconds and rows/s; the
comparison alone (``cross_check``); and, as the baseline measured in the same run, the bare SQL join count of the
same two tables (the practical limit of any comparison). Peak RSS of the process at the end.
Usage: python bench/crosscheck.py [--persons 100000] [--rows 1000000] [--engines postgres,sqlite]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, fresh_database_url, jingzhun, machine, peak_rss_mib

CHILD = r"""
import datetime as dt, random, sys, time
from pathlib import Path
import django
django.setup()
from django.db import connection
from jingzhun.core.context import acting_as
from jingzhun.core.ids import make_id_number
from jingzhun.identification import crosscheck
from jingzhun.identification.models import Application, CrossCheckFlag
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member

rows, out = int(sys.argv[1]), Path(sys.argv[2])
# every imported household becomes an applicant (set-based set-up, not measured)
Household.objects.update(status="unidentified")
Application.objects.bulk_create(
    [Application(household_id=h, region_id=r, year=2016) for h, r in Household.objects.values_list("id", "region_id")],
    batch_size=5000,
)
members = list(Member.objects.values_list("id_number", flat=True))
rng = random.Random(7)
hits = rng.sample(members, rows // 100)
start = dt.date(1940, 1, 1)
with out.open("w", encoding="utf-8") as fh:
    fh.write("公民身份号码,车牌号\n")
    for n in hits:
        fh.write(f"{n},贵H{rng.randrange(10**5):05d}\n")
    for _ in range(rows - len(hits)):
        birth = start + dt.timedelta(days=rng.randrange(25000))
        fh.write(f"{make_id_number('520102', birth, rng.randrange(1000))},贵A{rng.randrange(10**5):05d}\n")
county = Region.objects.get(code="522634000000")
with acting_as(source="bench"):
    t = time.perf_counter()
    dept_list, flags = crosscheck.dept_list_upload(user=None, county=county, kind="vehicle", path=out, file_name=out.name)
    upload = time.perf_counter() - t
    CrossCheckFlag.objects.all().delete()
    t = time.perf_counter()
    again = crosscheck.cross_check(county_code=county.code)
    compare = time.perf_counter() - t
t = time.perf_counter()
with connection.cursor() as c:
    c.execute("SELECT COUNT(*) FROM registry_member m JOIN identification_deptlistentry e ON e.id_number = m.id_number")
    joined = c.fetchone()[0]
bare = time.perf_counter() - t
print(f"RESULT {len(members)} {dept_list.rows} {flags} {again} {joined} {upload:.3f} {compare:.3f} {bare:.3f}")
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="postgres,sqlite")
    args = parser.parse_args()
    print(f"machine: {machine()}; {args.persons:,} persons applying, a list of {args.rows:,} rows")
    work = Path(tempfile.mkdtemp(prefix="jz-crosscheck-"))
    registration = work / "persons.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_registration_file.py"), str(registration), "--persons", str(args.persons)],
        check=True, capture_output=True,
    )  # fmt: skip
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_crosscheck")
        jingzhun(url, "migrate", "-v0")
        jingzhun(url, "regions", "load", "--extract")
        jingzhun(
            url, "import", str(registration), "--history-year", "2016"
        )  # the file's statuses, as history
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.rows), str(work / "vehicles.csv")],
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")), None)
        if line is None:
            raise SystemExit(f"{engine} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        persons, rows, flags, again, joined, upload, compare, bare = line.split()[1:]
        persons = int(persons)
        print(
            f"{engine:<9} {persons:,} persons; upload+compare {float(upload):6.2f} s ({int(rows) / float(upload):>9,.0f} rows/s), "
            f"flags {int(flags):,} (expected {int(rows) // 100:,}); compare alone {float(compare):5.2f} s "
            f"({int(again):,} flags); bare SQL join {float(bare):5.2f} s ({int(joined):,} matches) → "
            f"compare/bare {float(compare) / max(float(bare), 1e-3):.1f}×"
        )
    print(f"peak RSS (children) {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
