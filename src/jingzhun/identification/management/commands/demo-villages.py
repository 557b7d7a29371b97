"""``jingzhun demo-villages``: the demo county's poor villages (贫困村) — designated by the county in 2014 on the
rules' suggestion (一高一低一无), and taken out over 2017–2020 through the exit procedure (the township proposes,
its 公示 runs its days without objection, the county's 公告), each step on its day, through the services.

Runs after ``demo-analytics`` (the villages' rural population is the statistics' figure). The province's
incidence and average income of 2013 are demo figures, marked so on the policy row's page: what the county sees
as the suggestion depends on them."""

import contextlib
import datetime as dt
import random
from decimal import Decimal
from unittest import mock

from django.core.management.base import CommandError

from jingzhun.core.context import acting_as
from jingzhun.core.policy import province_of
from jingzhun.identification import selectors, villages
from jingzhun.identification import village_selectors as vs
from jingzhun.identification.choices import VillageStatus
from jingzhun.identification.models import VillagePolicy, VillageYear
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region

DESIGNATION_YEAR = 2014
EXIT_YEARS = (2017, 2018, 2019, 2020)
# the share of the designated villages the county plans to take out by the end of each year (the rest in 2020)
EXIT_PLAN = {2017: 0.25, 2018: 0.55, 2019: 0.85, 2020: 1.0}
DEMO_PROVINCE_INCIDENCE = Decimal("10.00")  # 演示数据: the province's incidence of 2013 (%)
DEMO_PROVINCE_INCOME = Decimal("5434.00")  # 演示数据: the province's farmers' per-capita net income of 2013
CHECKLIST = ["collective_income", "road", "power", "water", "clinic", "broadband"]


@contextlib.contextmanager
def on_day(day: dt.date):
    """Take steps as on ``day`` (the services date steps and lists by today's date)."""
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


class Command(DemoCountyCommand):
    help = "Designate the demo county's poor villages in 2014 and take them out over 2017–2020 (once)."

    def seed_county(self, county: Region, seed: int) -> None:
        lo, hi = county.subtree_range()
        if VillageYear.objects.filter(region__code__range=(lo, hi)).exclude(status="").exists():
            self.stdout.write(f"{county.name} 已有贫困村认定，跳过。")
            return
        every = vs.villages_under(county)
        if not vs.rural_population(lo=lo, hi=hi, year=DESIGNATION_YEAR):
            raise CommandError("没有各村农村户籍人口：请先运行 jingzhun demo-analytics。")
        rng = random.Random(seed)
        with acting_as(source="command:demo-villages"):
            self._policy(county)
            designated, turned_down = self._designate(every, rng)
            exits = self._exits(county, designated)
        self.stdout.write(
            self.style.SUCCESS(
                f"{county.name}：{DESIGNATION_YEAR} 年认定贫困村 {len(designated)} 个（不予认定 {turned_down} 个）；"
                + "，".join(f"{y} 年退出 {n} 个" for y, n in exits.items())
                + "。"
            )
        )

    def _policy(self, county: Region) -> None:
        province = province_of(county.code)
        if not VillagePolicy.objects.filter(province_id=province, year__lte=DESIGNATION_YEAR).exists():
            villages.village_policy_set(
                user=None, year=DESIGNATION_YEAR, province=province,
                province_incidence_percent=DEMO_PROVINCE_INCIDENCE, province_income=DEMO_PROVINCE_INCOME,
            )  # fmt: skip

    def _designate(self, every: list[Region], rng: random.Random) -> tuple[list[Region], int]:
        """The villages' 2014 figures (income and collective income drawn around the province's), then the
        county's decision on each suggestion; a few high-incidence villages with collective income are turned
        down with the reason."""
        year = DESIGNATION_YEAR
        standard = vs.village_policy(region_code=every[0].code, year=year)
        high = {
            r.village.code
            for r in vs.village_rows(every, year=year)
            if r.incidence is not None
            and r.incidence >= standard.incidence_multiple * standard.province_incidence_percent
        }
        cap = standard.province_income * standard.income_ratio_percent / 100
        with on_day(dt.date(year, 5, 20)):
            for v in every:
                poor = v.code in high
                income = cap * Decimal(rng.uniform(0.7, 0.98) if poor else rng.uniform(1.0, 1.6))
                collective = 0 if poor and rng.random() > 0.15 else rng.randint(3, 60) * 1000
                villages.village_year_set(
                    user=None, village=v, year=year, per_capita_income=income.quantize(Decimal("0.01")),
                    collective_income=collective, checklist={},
                )  # fmt: skip
        designated, turned_down = [], 0
        with on_day(dt.date(year, 6, 30)):
            for row in vs.village_rows(every, year=year):
                if row.suggested:
                    villages.village_designate(user=None, village=row.village, year=year, confirm=True)
                    designated.append(row.village)
                elif row.village.code in high:
                    villages.village_designate(
                        user=None, village=row.village, year=year, confirm=False,
                        reason="村集体经济已有收入，不符合“一无”，不列为贫困村。",
                    )  # fmt: skip
                    turned_down += 1
        return designated, turned_down

    def _exits(self, county: Region, designated: list[Region]) -> dict[int, int]:
        """Each year the villages whose incidence has fallen below the standard — as many as the plan allows —
        meet the checklist and go through the procedure, township by township."""
        exits, done = {}, 0
        for year in EXIT_YEARS:
            remaining = [v for v in designated if vs.status_in(v.code, year) == VillageStatus.POOR]
            rows = vs.village_rows(remaining, year=year)
            below = [r.village for r in rows if r.incidence is not None and r.incidence < r.threshold]
            room = max(0, round(EXIT_PLAN[year] * len(designated)) - done)
            chosen = below[:room] if year != EXIT_YEARS[-1] else below
            start = dt.date(year, 10, 9)
            days = selectors.procedure_policy(year=year, region_code=county.code).publicity_days
            with on_day(start - dt.timedelta(days=20)):
                for v in chosen:
                    villages.village_year_set(
                        user=None, village=v, year=year, checklist=dict.fromkeys(CHECKLIST, True),
                        collective_income=Decimal(20000 + 5000 * (year - 2016)), per_capita_income=None,
                    )  # fmt: skip
            by_town: dict[str, list[Region]] = {}
            for v in chosen:
                by_town.setdefault(v.parent_id, []).append(v)
            for town_code, its in sorted(by_town.items()):
                town = Region.objects.get(code=town_code)
                with on_day(start):
                    villages.village_exit_propose(user=None, township=town, year=year, villages=its)
                    publicity = villages.village_exit_publicity_open(
                        user=None, township=town, year=year, villages=its
                    )
                with on_day(start + dt.timedelta(days=days)):
                    villages.village_exit_publicity_close(user=None, publicity=publicity)
            if chosen:
                with on_day(start + dt.timedelta(days=days + 3)):
                    villages.village_exit_announce(user=None, county=county, year=year, villages=chosen)
            exits[year], done = len(chosen), done + len(chosen)
        return exits
