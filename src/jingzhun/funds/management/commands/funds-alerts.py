"""Nightly: run the supervision rules over a region (default: the whole country) for a year and store the new
alerts."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from jingzhun.funds.alerts import alerts_run


class Command(BaseCommand):
    help = "运行监督预警规则，保存新发现的预警。"

    def add_arguments(self, parser):
        parser.add_argument("--region", default=None)
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, region=None, year=None, **options):
        n = alerts_run(region=region, year=year or timezone.localdate().year)
        self.stdout.write(f"新增预警 {n} 条。")
