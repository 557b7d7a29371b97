"""``jingzhun demo-accounts``: demo users at several levels of the demo county (finance also at its province and
prefecture), printed with their passwords."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jingzhun.accounts.choices import Role
from jingzhun.accounts.demo import DEMO_PASSWORD
from jingzhun.accounts.services import user_create_or_reset
from jingzhun.core.context import acting_as
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import ancestor_at
from jingzhun.regions.selectors import demo_places


class Command(BaseCommand):
    help = "Create (or reset) demo accounts for the demo county 雷山县 (522634) and print them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--county", default="522634000000", help="county code (default 雷山县 522634000000)"
        )
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, county, password, **opts):
        if settings.PRODUCTION:
            raise CommandError("生产环境（JINGZHUN_ENV=production）不允许创建演示账号。")
        county_region = Region.objects.filter(code=county.ljust(12, "0"), level=3).first()
        if county_region is None:
            raise CommandError(f"县级区划 {county} 不存在。请先运行 jingzhun regions load。")
        town, other_town, village = demo_places(county_region)
        province = Region.objects.filter(code=ancestor_at(county_region.code, RegionLevel.PROVINCE)).first()
        city = Region.objects.filter(code=ancestor_at(county_region.code, RegionLevel.PREFECTURE)).first()
        plan = [
            ("admin", Role.ADMIN, None, "全国管理员", True),
            ("province", Role.ADMIN, province, f"{province.name if province else ''}管理员", False),
            ("county", Role.OPERATOR, county_region, f"{county_region.name}录入员", False),
            ("county_viewer", Role.VIEWER, county_region, f"{county_region.name}查看员", False),
            ("township", Role.OPERATOR, town, f"{town.name if town else ''}录入员", False),
            ("township2", Role.VIEWER, other_town, f"{other_town.name if other_town else ''}查看员", False),
            ("village", Role.OPERATOR, village, f"{village.name if village else ''}录入员", False),
            ("finance", Role.FINANCE, county_region, f"{county_region.name}财政局", False),
            # the money's way down: the province's and the prefecture's finance (支出进度 per child region)
            ("province_finance", Role.FINANCE, province, f"{province.name if province else ''}财政厅", False),
            ("city_finance", Role.FINANCE, city, f"{city.name if city else ''}财政局", False),
            ("supervisor", Role.SUPERVISOR, county_region, f"{county_region.name}纪委监委", False),
            ("security", Role.SECURITY, county_region, f"{county_region.name}安全管理员", False),
            ("auditor", Role.AUDITOR, county_region, f"{county_region.name}安全审计员", False),
            (
                "assessor",
                Role.ASSESSOR,
                province,
                f"{province.name if province else ''}第三方评估人员",
                False,
            ),
        ]
        rows = []
        with acting_as(source="command:demo-accounts"):
            for username, role, region, full_name, superuser in plan:
                if region is None and not superuser:
                    continue
                user_create_or_reset(
                    username=username,
                    password=password,
                    role=role,
                    region=region,
                    full_name=full_name,
                    superuser=superuser,
                )
                rows.append((username, role.label, region.full_name() if region else "全国"))
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {password}）："))
        for username, role, scope in rows:
            self.stdout.write(f"  {username:<14} {role:<6} {scope}")
