"""``jingzhun rollup --year Y | --all-years [--engine duckdb|postgres|pyspark]``: recompute and store every
indicator at every level (the dashboards' figures), then re-score the early warning on the newest snapshot where a
model is installed. Run nightly from cron; imports queue it themselves."""

from django.core.management.base import BaseCommand, CommandError

from jingzhun.analytics.engines import ENGINES
from jingzhun.analytics.selectors import years_with_data
from jingzhun.analytics.tasks import rollups_and_scores


class Command(BaseCommand):
    help = "Recompute the rollups of all indicators at all five levels for a year (or every year with data)."

    def add_arguments(self, parser):
        years = parser.add_mutually_exclusive_group(required=True)
        years.add_argument("--year", type=int)
        years.add_argument("--all-years", action="store_true")
        parser.add_argument("--engine", choices=ENGINES, default="duckdb")

    def handle(self, *args, year=None, all_years=False, engine="duckdb", **opts):
        years = years_with_data() if all_years else [year]
        if not years:
            raise CommandError("登记库中还没有任何年度数据，无需汇总。")
        done = rollups_and_scores(years, engine=engine, progress=lambda m: self.stdout.write(f"  {m}"))
        for y, result in done.items():  # the early-warning scores followed the newest year's snapshot
            self.stdout.write(
                self.style.SUCCESS(
                    f"{y} 年度：{result.regions:,} 个区域（快照 {result.snapshot_seconds:.1f} 秒，"
                    f"计算 {result.compute_seconds:.1f} 秒，保存 {result.store_seconds:.1f} 秒）"
                )
            )
