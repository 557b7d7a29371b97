"""``jingzhun recount [--region CODE]``: recompute village household/person tallies from the households.

Services keep tallies exact on every write; run this after loading data outside them (raw SQL, a restore).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from jingzhun.regions.models import Region
from jingzhun.regions.selectors import region_by_code
from jingzhun.registry.services import refresh_tallies


class Command(BaseCommand):
    help = "Recompute the household and person tallies of villages (all, or those under --region)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code: only the villages under it")

    def handle(self, *args, region=None, **opts):
        started = time.perf_counter()
        villages = None
        if region:
            target = region_by_code(region)
            if target is None:
                raise CommandError(f"区划代码 {region} 不存在。")
            villages = list(Region.objects.in_region(target).filter(level=5).values_list("code", flat=True))
        written = refresh_tallies(villages)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重新统计 {written:,} 个有贫困户的村，用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
