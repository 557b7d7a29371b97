"""地方自定指标 and the 精准帮扶 indicator over a province (issue 22): a province of ``--counties`` counties (made in
bulk under 贵州), its own county set with a local indicator and 精准帮扶满意度, survey answers with the two
ratings in every county; times the entry of every county's figure in one call (the province's table), a second
entry of the same figures (no new version), and scoring the whole province — with the queries each takes, which
must not grow with the counties for the entry (one bulk insert).

Usage: python bench/assessment_local_figures.py [--counties 120] [--answers 40] [--engines sqlite,postgres]
"""

import argparse
import os
import subprocess
import sys

from _common import fresh_database_url, jingzhun, machine

CHILD = r"""
import sys, time
from decimal import Decimal
import django
django.setup()
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from jingzhun.assessment import services
from jingzhun.assessment.models import Sample, SampleHousehold, SampleVillage, SurveyResponse
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

n_counties, n_answers = int(sys.argv[1]), int(sys.argv[2])
YEAR = 2026
province = Region.objects.get(code="520000000000")
cities = Region.objects.bulk_create(  # up to 90 counties a city: 5290…, 5291…
    [Region(code=f"52{90 + k}00000000", name=f"测试州{k}", level=2, parent=province) for k in range(n_counties // 90 + 1)]
)
counties = Region.objects.bulk_create(
    [Region(code=f"52{90 + n // 90}{n % 90 + 1:02d}000000", name=f"测试县{n:03d}", level=3, parent=cities[n // 90])
     for n in range(n_counties)]
)
towns = Region.objects.bulk_create([Region(code=c.code[:6] + "100000", name="镇", level=4, parent=c) for c in counties])
villages = Region.objects.bulk_create([Region(code=t.code[:9] + "201", name="村", level=5, parent=t) for t in towns])
households = Household.objects.bulk_create([
    Household(number=f"{v.code}{i:05d}", region=v, status="registered", attribute="general", main_cause="illness",
              head_name=f"户主{i}", member_count=3)
    for v in villages for i in range(n_answers)
])
samples = Sample.objects.bulk_create([Sample(county=c, year=YEAR, purpose="satisfaction", seed=1, villages=1,
                                             households_per_village=n_answers) for c in counties])
svs = SampleVillage.objects.bulk_create([SampleVillage(sample=s, village=v, stratum=s.county_id, frame_villages=1,
                                                       drawn_villages=1, weight=1) for s, v in zip(samples, villages)])
shs, answers = [], []
for s, sv, v in zip(samples, svs, villages):
    for i in range(n_answers):
        shs.append(SampleHousehold(sample=s, sampled_village=sv, region=v, household=households[len(shs)],
                                   key=f"V01-H{i:03d}", group="labour", status="registered", persons=3, frame_size=1,
                                   drawn=1, weight=1))
SampleHousehold.objects.bulk_create(shs)
for i, h in enumerate(shs):
    answers.append(SurveyResponse(sample=h.sample, sample_household=h, region=h.region, instance_id=f"uuid:{i}",
                                  source="web", form_version="v", persons=3, income_ok=True, food_clothing=True,
                                  education=True, medical=True, housing=True, water=True, satisfied=True,
                                  team_satisfied=i % 10 != 0, cadre_satisfied=None if i % 7 == 0 else i % 9 != 0))
SurveyResponse.objects.bulk_create(answers, batch_size=5000)
services.indicators_set(user=None, year=2024, province="520000000000", rows=[
    {"key": "help", "name": "精准帮扶满意度", "weight": Decimal(50), "source": "help_satisfaction",
     "origin": "third_party", "best": Decimal(100), "worst": Decimal(60)},
    {"key": "tea", "name": "茶产业带贫覆盖率", "weight": Decimal(50), "source": "local", "origin": "daily",
     "best": Decimal(100), "worst": Decimal(0)},
])
rows = [{"county": c.code, "value": str(40 + n % 60), "note": "省农业农村厅茶产业台账"} for n, c in enumerate(counties)]


def timed(label, fn):
    with CaptureQueriesContext(connection) as q, transaction.atomic():
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
    print(f"  {label}: {seconds * 1000:.0f} ms, {len(q.captured_queries)} queries")
    return out


made = timed(f"enter {n_counties} counties' figures", lambda: services.local_figures_enter(
    user=None, year=YEAR, key="tea", rows=rows))
again = timed("enter the same figures again", lambda: services.local_figures_enter(
    user=None, year=YEAR, key="tea", rows=[dict(r) for r in rows]))
scores = timed(f"score the province ({n_counties} counties, {len(answers):,} answers)", lambda: services.scores_compute(
    user=None, region=province, year=YEAR))
assert len(made) == n_counties and again == [], (len(made), len(again))
assert all(s.total is not None for s in scores if s.county_id[:3] == "529"), [(s.county_id, s.total, s.problems) for s in scores if s.total is None][:3]
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--counties", type=int, default=120)
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"machine: {machine()}; {args.counties} counties, {args.answers} survey answers each")
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_local_figures")
        jingzhun(url, "migrate", "-v0")
        jingzhun(url, "regions", "load", "--extract")
        print(engine)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.counties), str(args.answers)],
            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(done.stderr[-4000:])
        print(done.stdout, end="")


if __name__ == "__main__":
    main()
