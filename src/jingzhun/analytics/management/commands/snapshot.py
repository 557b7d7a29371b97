"""``jingzhun snapshot --year Y [--out DIR]``: the registry of a year written to Parquet, partitioned by
province (households, members, plans, regions, lines, population, and the funds tables the supervision rules read
on DuckDB or Spark: ``funds.snapshot``), read through ADBC as Arrow."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.analytics.snapshot import write_snapshot


class Command(BaseCommand):
    help = "Write the registry of a year to Parquet (the snapshot the indicators read on DuckDB or PySpark)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", type=Path, help="directory (default: SNAPSHOT_DIR/<year>)")

    def handle(self, *args, year, out=None, **opts):
        if not 2000 <= year <= 2100:
            raise CommandError("年度应在 2000 至 2100 之间。")
        result = write_snapshot(
            year, root=out, progress=lambda name, rows: self.stdout.write(f"  {name}: {rows:,} 行")
        )
        self.stdout.write(
            self.style.SUCCESS(f"已写出 {year} 年度快照到 {result.root}，用时 {result.seconds:.1f} 秒")
        )
