"""``jingzhun import-template FILE``: write the .xlsx import template in the official layout."""

from pathlib import Path

from django.core.management.base import BaseCommand

from jingzhun.imports.template import write_template


class Command(BaseCommand):
    help = "Write the registration import template (.xlsx) with drop-downs, text columns and instructions."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?", default=Path("贫困户登记表-导入模板.xlsx"))
        parser.add_argument("--flat", action="store_true", help="one sheet, one row per person")

    def handle(self, *args, file, flat, **opts):
        write_template(file, flat=flat)
        self.stdout.write(self.style.SUCCESS(f"已生成导入模板：{file}"))
