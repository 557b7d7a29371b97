"""Nightly: run the supervision rules over a region (default: the whole country) for a year and store the new
alerts — on the database, or at national scale over the yearly snapshot's Parquet on DuckDB or Spark.

    jingzhun funds-alerts [--region CODE] [--year Y]                       # the database
    jingzhun funds-alerts --export --snapshot DIR --year Y                 # write the funds tables beside a snapshot
    jingzhun funds-alerts --snapshot DIR --year Y [--engine duckdb|pyspark] [--out FILE.parquet]
"""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jingzhun.funds import alerts_sql
from jingzhun.funds.alerts import alerts_run
from jingzhun.funds.snapshot import write_funds


class Command(BaseCommand):
    help = "运行监督预警规则，保存新发现的预警（数据库，或年度快照上的 DuckDB / Spark）。"

    def add_arguments(self, parser):
        parser.add_argument("--region", default=None)
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--today", default=None, help="运行日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--snapshot",
            default=None,
            help="年度快照目录（默认 SNAPSHOT_DIR/<年度>，与 --engine/--export 同用）",
        )
        parser.add_argument("--engine", choices=("database", *alerts_sql.ENGINES), default=None)
        parser.add_argument("--out", default=None, help="把预警写入此 Parquet 文件，而不是保存到数据库")
        parser.add_argument("--export", action="store_true", help="把资金表写入快照目录（不运行规则）")

    def handle(self, *args, region=None, year=None, today=None, snapshot=None, engine=None, out=None,
               export=False, **options):  # fmt: skip
        year = year or timezone.localdate().year
        if region is not None and not (region.isdigit() and len(region) == 12):
            raise CommandError("区划代码应为 12 位数字。")
        try:
            today = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError("运行日期格式应为 YYYY-MM-DD。") from exc
        root = Path(snapshot) if snapshot else Path(settings.SNAPSHOT_DIR) / str(year)
        if export:
            if not root.is_dir():
                raise CommandError(f"快照目录不存在：{root}")
            rows = write_funds(year, root)
            self.stdout.write("资金表已写入快照：" + "，".join(f"{k} {v:,} 行" for k, v in rows.items()))
            return
        if engine in (None, "database") and not snapshot:
            if out:
                raise CommandError("--out 需与 --snapshot 或 --engine duckdb/pyspark 同用。")
            n = alerts_run(region=region, year=year, today=today)
            self.stdout.write(f"新增预警 {n} 条。")
            return
        engine = engine if engine not in (None, "database") else "duckdb"
        try:
            run = alerts_sql.find(root, year=year, today=today, region=region, engine=engine)
        except FileNotFoundError as exc:
            raise CommandError(f"快照中没有资金表：{exc}") from exc
        if out:
            n = alerts_sql.write_findings(run.alerts, Path(out))
            self.stdout.write(f"{engine}：规则用时 {run.seconds:.2f} 秒，预警 {n} 条已写入 {out}。")
        else:
            n = alerts_sql.store(run.alerts)
            self.stdout.write(
                f"{engine}：规则用时 {run.seconds:.2f} 秒，发现 {len(run.alerts)} 条，新增预警 {n} 条。"
            )
