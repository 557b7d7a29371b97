"""``jingzhun export FILE``: export households (scoped to --user) in the template's layout, or with ``--national``
in the national system's layouts (FILE.zip of the two GB18030 CSVs, or FILE.xlsx)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.accounts.models import User
from jingzhun.core.masking import sees_bank_accounts, sees_in_full
from jingzhun.imports import export, national_export
from jingzhun.regions.selectors import region_by_code
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import HouseholdFilters, household_list


class Command(BaseCommand):
    help = "Export households to .xlsx, .csv or .parquet (by the file's extension) in the import layout."
    # The system checks (URLs, templates…) take ~1 s and concern the site, not this command.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="region code: households in its subtree")
        parser.add_argument(
            "--year", type=int, help="the yearly record to export (default: each household's latest)"
        )
        parser.add_argument("--status", default="", help="household status code (e.g. registered)")
        parser.add_argument("--user", help="export as this user: their region scope and masking apply")
        parser.add_argument(
            "--national", action="store_true",
            help="the national system's layouts: FILE.zip (two GB18030 CSVs) or FILE.xlsx (two sheets)",
        )  # fmt: skip

    def handle(self, *args, file, region=None, year=None, status="", user=None, national=False, **opts):
        suffix = file.suffix.lower()
        if national and suffix not in {".zip", ".xlsx"}:
            raise CommandError("国家系统格式的文件扩展名应为 .zip（两个 CSV 文件）或 .xlsx。")
        if not national and suffix not in {".xlsx", ".csv", ".parquet"}:
            raise CommandError("文件扩展名应为 .xlsx、.csv 或 .parquet。")
        target = None
        if region:
            target = region_by_code(region)
            if target is None:
                raise CommandError(f"区划代码 {region} 不存在。")
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在或已停用。")
            if target is not None and not actor.in_scope(target.code):
                raise CommandError(f"区划 {target.name} 不在 {user} 的管辖范围内。")
            qs = household_list(
                user=actor, filters=HouseholdFilters(region=target, status=status), action="export"
            )
            mask, bank = not sees_in_full(actor), sees_bank_accounts(actor)
        else:
            qs = Household.objects.all()
            qs = qs.in_region(target) if target else qs
            qs = qs.filter(status=status) if status else qs
            mask, bank = False, True
        started = time.perf_counter()
        if national:
            writer = national_export.write_csv_zip if suffix == ".zip" else national_export.write_xlsx
            households, persons = writer(file, qs, mask=mask, bank=bank, year=year)
            what = f"{households:,} 户 {persons:,} 人"
        elif suffix == ".xlsx":
            households, persons = export.write_xlsx(file, qs, mask=mask, year=year)
            what = f"{households:,} 户 {persons:,} 人"
        elif suffix == ".csv":
            what = f"{export.write_csv(file, qs, mask=mask, year=year):,} 人"
        else:
            what = f"{export.write_parquet(file, qs, mask=mask, year=year):,} 人"
        self.stdout.write(
            self.style.SUCCESS(f"已导出 {what} 到 {file}，用时 {time.perf_counter() - started:.1f} 秒")
        )
