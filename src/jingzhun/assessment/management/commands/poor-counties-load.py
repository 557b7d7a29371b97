"""``jingzhun poor-counties-load FILE.csv --year Y``: the list of poor counties (贫困县) of a year. CSV with a
header; columns: county code, kind (国家级 / 省级) (UTF-8, with or without BOM). All or nothing."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingzhun.assessment.services import poor_counties_load
from jingzhun.core.context import acting_as


class Command(BaseCommand):
    help = "Load the poor counties of a year from a CSV (county code, kind 国家级/省级); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, file, year, **opts):
        if not file.exists():
            raise CommandError(f"找不到文件 {file}。")
        try:
            with file.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                next(reader, None)  # header
                rows = [(n, *[*cells, "", ""][:2]) for n, cells in enumerate(reader, start=2) if any(cells)]
        except UnicodeDecodeError:
            raise CommandError("文件不是 UTF-8 编码的 CSV，请另存为 CSV UTF-8 后再导入。") from None
        try:
            with acting_as(None, source=f"poor-counties-load:{file.name}"):
                loaded = poor_counties_load(year=year, rows=rows)
        except ValidationError as exc:
            raise CommandError("未保存任何数据：\n" + "\n".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"已登记 {loaded:,} 个 {year} 年贫困县。"))
