"""部门筛查 speed (issue 20): a department's screening list (default 200,000 rows, 2 % of them persons of the
county's registry, half of those at or above the threshold) matched against a county (default 100,000 persons)
by ID number, one query per 5,000 rows, raising a clue per household at or above the threshold.

Prints, per engine: the whole upload (read + validate every ID and amount + match + clues) in seconds and rows/s,
the clues raised against the expected number, and the number of matching queries. Peak RSS at the end.
Usage: python bench/monitoring_screening.py [--persons 100000] [--rows 200000] [--engines postgres,sqlite]
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
from django.test.utils import CaptureQueriesContext
from jingzhun.core.context import acting_as
from jingzhun.core.ids import make_id_number
from jingzhun.monitoring import screening
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member

rows, out = int(sys.argv[1]), Path(sys.argv[2])
Household.objects.update(status="exited")  # every household a possible 脱贫不稳定户 (set-up, not measured)
members = list(Member.objects.values_list("id_number", "household_id"))
rng = random.Random(7)
hits = rng.sample(members, rows // 50)
expected = len({h for n, h in hits[: len(hits) // 2]})
start = dt.date(1940, 1, 1)
with out.open("w", encoding="utf-8") as fh:
    fh.write("公民身份号码,姓名,个人自付医疗费用\n")
    for i, (n, _h) in enumerate(hits):
        fh.write(f"{n},某某,{20000 if i < len(hits) // 2 else 500}\n")
    for _ in range(rows - len(hits)):
        birth = start + dt.timedelta(days=rng.randrange(25000))
        fh.write(f"{make_id_number('520102', birth, rng.randrange(1000))},他人,{rng.randrange(30000)}\n")
county = Region.objects.get(code="522634000000")
with acting_as(source="bench"), CaptureQueriesContext(connection) as queries:
    t = time.perf_counter()
    done = screening.screening_upload(user=None, county=county, department="medical", path=out, file_name=out.name)
    upload = time.perf_counter() - t
matching = sum(1 for q in queries.captured_queries if "registry_member" in q["sql"] and "IN (" in q["sql"])
print(f"RESULT {len(members)} {done.rows} {done.flagged} {expected} {matching} {upload:.3f}")
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--engines", default="postgres,sqlite")
    args = parser.parse_args()
    print(f"machine: {machine()}; a county of {args.persons:,} persons, a list of {args.rows:,} rows")
    work = Path(tempfile.mkdtemp(prefix="jz-screening-"))
    registration = work / "persons.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_registration_file.py"), str(registration), "--persons", str(args.persons)],
        check=True, capture_output=True,
    )  # fmt: skip
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_screening")
        jingzhun(url, "migrate", "-v0")
        jingzhun(url, "regions", "load", "--extract")
        jingzhun(url, "import", str(registration), "--history-year", "2016")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.rows), str(work / "medical.csv")],
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT")), None)
        if line is None:
            raise SystemExit(f"{engine} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        persons, rows, flagged, expected, matching, upload = line.split()[1:]
        print(
            f"{engine:<9} {int(persons):,} persons; upload {float(upload):6.2f} s "
            f"({int(rows) / float(upload):>9,.0f} rows/s), clues {int(flagged):,} (expected {int(expected):,}), "
            f"{int(matching)} matching queries"
        )
    print(f"peak RSS (children) {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
