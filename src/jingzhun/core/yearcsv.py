"""The shape of a command that loads a year's list from a two-column CSV (``FILE.csv --year Y``): read with its
header, UTF-8 with or without BOM, rows numbered as a spreadsheet shows them, handed to a service that checks
them all and saves all or nothing; its refusal is printed row by row."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jingzhun.core.context import acting_as


class YearCsvCommand(BaseCommand):
    """Subclasses name ``source`` (the audit's source) and implement ``load(year, rows)`` (the service: returns
    the number saved) and ``done(loaded, year)`` (the line printed)."""

    source = ""

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True)

    def load(self, year: int, rows: list[tuple]) -> int:
        raise NotImplementedError

    def done(self, loaded: int, year: int) -> str:
        raise NotImplementedError

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
            with acting_as(None, source=f"{self.source}:{file.name}"):
                loaded = self.load(year, rows)
        except ValidationError as exc:
            raise CommandError("未保存任何数据：\n" + "\n".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(self.done(loaded, year)))
