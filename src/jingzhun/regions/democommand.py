"""The shape every demo-data command shares: ``--county`` and ``--seed``, refused in production, the county
looked up with a clear message when the region codes are not loaded."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jingzhun.regions.models import Region


class DemoCountyCommand(BaseCommand):
    """Subclasses implement ``seed_county(county, seed)``; ``handle`` checks and looks up first."""

    def add_arguments(self, parser):
        parser.add_argument("--county", default="522634000000")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, county, seed, **opts):
        if settings.PRODUCTION:
            raise CommandError("生产环境（JINGZHUN_ENV=production）不允许生成演示数据。")
        region = Region.objects.filter(code=county.ljust(12, "0"), level=3).first()
        if region is None:
            raise CommandError(f"县级区划 {county} 不存在。请先运行 jingzhun regions load。")
        self.seed_county(region, seed)

    def seed_county(self, county: Region, seed: int) -> None:
        raise NotImplementedError
