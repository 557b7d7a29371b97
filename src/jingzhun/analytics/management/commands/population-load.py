"""``jingzhun population-load FILE.csv --year Y``: the rural population (农村户籍人口) per village, the
denominator of 贫困发生率. CSV with a header; columns: village code, persons (UTF-8, with or without BOM)."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingzhun.analytics.services import rural_population_load
from jingzhun.core.context import acting_as


class Command(BaseCommand):
    help = (
        "Load the rural population of villages for a year from a CSV (village code, persons); all or nothing."
    )

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
            with acting_as(None, source=f"population-load:{file.name}"):
                loaded = rural_population_load(year=year, rows=rows)
        except ValidationError as exc:
            raise CommandError("未保存任何数据：\n" + "\n".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"已登记 {loaded:,} 个村 {year} 年度的农村户籍人口。重新汇总后显示贫困发生率。"
            )
        )
