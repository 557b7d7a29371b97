"""``jingzhun demo-data --region CODE --households N --seed S``: realistic demo households, via the services."""

import itertools
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from jingzhun.core.context import acting_as
from jingzhun.regions.selectors import region_by_code
from jingzhun.registry.demo import demo_households
from jingzhun.registry.models import Household
from jingzhun.registry.services import households_register
from jingzhun.registry.status import loading_history


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
            "--years", default="2015,2016", help="data years, comma-separated (default 2015,2016)"
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
            year_list = sorted({int(y) for y in years.split(",") if y.strip()})
        except ValueError:
            raise CommandError(f"--years 应为逗号分隔的年份，例如 2015,2016（收到 {years!r}）") from None
        if not year_list or not all(2000 <= y <= 2100 for y in year_list):
            raise CommandError("--years 中的年份应在 2000–2100 之间。")
        payloads = demo_households(region=target, count=households, seed=seed, years=year_list)
        started = time.perf_counter()
        done = 0
        bar = tqdm(
            total=households, desc="households", unit=" 户", disable=opts["verbosity"] < 1, mininterval=1
        )
        # The demo's households arrive with their statuses as history, as a historical load would bring them.
        with (
            acting_as(source="command:demo-data"),
            loading_history(None, as_of=max(year_list), reference="演示数据"),
        ):
            while chunk := list(itertools.islice(payloads, batch)):
                try:
                    households_register(user=None, items=chunk)
                except ValidationError as exc:
                    raise CommandError(f"生成的数据未通过校验：{exc.message_dict}") from exc
                done += len(chunk)
                bar.update(len(chunk))
                reset_queries()  # keep memory flat when DEBUG logs queries
        bar.close()
        if done == 0:
            raise CommandError(f"{target.name} 下没有村级区划，无法生成贫困户。")
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已在 {target.full_name()} 生成 {done:,} 户，用时 {seconds:.1f} 秒（{done / seconds:,.0f} 户/秒）"
            )
        )
