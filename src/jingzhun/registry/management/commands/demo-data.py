"""``jingzhun demo-data --region CODE --households N --seed S``: realistic demo households, via the services.

By default the years run from 2014 (the first 建档立卡) to this year: the households arrive through the historical
load with their status history over the policy periods, then the 过渡期 brings monitoring periods and a few
member changes (births, deaths, a marriage, a move), each dated in its year (``registry.demo``).
"""

import itertools
import time
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from django.utils import timezone
from tqdm import tqdm

from jingzhun.core.context import acting_as
from jingzhun.regions.selectors import region_by_code
from jingzhun.registry.demo import demo_households, demo_member_changes, demo_monitoring
from jingzhun.registry.models import Household
from jingzhun.registry.services import households_register
from jingzhun.registry.status import loading_history

FIRST_YEAR = 2014  # the first 建档立卡


def parse_years(text: str) -> list[int]:
    """``"2014-2020,2026"`` → [2014, …, 2020, 2026]."""
    years: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first, _sep, last = part.partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return sorted(years)


class Command(BaseCommand):
    help = "Generate realistic demo households and members for the villages under a region."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="12-digit region code (any level)")
        parser.add_argument(
            "--households", type=int, default=1000, help="number of households (default 1000)"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
        )
        parser.add_argument(
            "--years",
            default=f"{FIRST_YEAR}-{timezone.localdate().year}",
            help=f"data years, comma-separated, ranges allowed (default {FIRST_YEAR} to this year)",
        )
        parser.add_argument(
            "--skip-if-present", action="store_true", help="do nothing when the region already has households"
        )
        parser.add_argument(
            "--batch", type=int, default=1000, help="households per transaction (default 1000)"
        )

    def handle(self, *args, region, households, seed, years, batch, **opts):
        target = region_by_code(region)
        if target is None:
            raise CommandError(f"区划代码 {region} 不存在。请先运行 jingzhun regions load。")
        if opts.get("skip_if_present") and Household.objects.in_region(target).exists():
            self.stdout.write(f"{target.name} 已有贫困户数据，跳过生成。")
            return
        if households < 1:
            raise CommandError("--households 应为正整数。")
        try:
            year_list = parse_years(years)
        except ValueError:
            raise CommandError(
                f"--years 应为逗号分隔的年份或年份范围，例如 2015,2016 或 2014-2026（收到 {years!r}）"
            ) from None
        this_year = timezone.localdate().year
        if not year_list or not all(2000 <= y <= this_year for y in year_list):
            raise CommandError(f"--years 中的年份应在 2000–{this_year} 之间（不能晚于今年）。")
        payloads = demo_households(region=target, count=households, seed=seed, years=year_list, stories=True)
        started = time.perf_counter()
        done = 0
        bar = tqdm(
            total=households, desc="households", unit=" 户", disable=opts["verbosity"] < 1, mininterval=1
        )
        # The demo's households arrive with their statuses as history, as a historical load would bring them:
        # each in the load of the year its last change counts in (a return, a cancellation), so that every
        # history row is dated in its own business year.
        monitored = 0
        with acting_as(source="command:demo-data"):
            while chunk := list(itertools.islice(payloads, batch)):
                by_year = defaultdict(list)
                for item, story in chunk:
                    by_year[story.status_in(year_list[-1])[1]].append((item, story))
                for data_year, drawn in sorted(by_year.items()):
                    with loading_history(None, as_of=data_year, reference="演示数据"):
                        try:
                            made = households_register(user=None, items=[item for item, _story in drawn])
                        except ValidationError as exc:
                            raise CommandError(f"生成的数据未通过校验：{exc.message_dict}") from exc
                    monitored += demo_monitoring(made, [story.monitoring for _item, story in drawn])
                done += len(chunk)
                bar.update(len(chunk))
                reset_queries()  # keep memory flat when DEBUG logs queries
            changes = demo_member_changes(region=target, seed=seed, years=year_list) if done else []
        bar.close()
        if done == 0:
            raise CommandError(f"{target.name} 下没有村级区划，无法生成贫困户。")
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已在 {target.full_name()} 生成 {done:,} 户（{year_list[0]}–{year_list[-1]} 年度），"
                f"监测对象 {monitored} 户，人口变动 {len(changes)} 条，"
                f"用时 {seconds:.1f} 秒（{done / seconds:,.0f} 户/秒）"
            )
        )
