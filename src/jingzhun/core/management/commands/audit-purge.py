"""``jingzhun audit-purge --before YYYY-MM-DD --archive FILE.jsonl.gz``: archive and remove audit entries past
their retention (``JINGZHUN_AUDIT_RETENTION_DAYS``, at least 183 days); refuses anything younger."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.core.auditpurge import earliest_allowed_cutoff, purge


class Command(BaseCommand):
    help = "Archive (gzip JSON lines) and delete audit entries dated before a day past the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: entries dated before this day")
        parser.add_argument("--archive", required=True, help="the archive file to write (.jsonl.gz)")

    def handle(self, *args, before, archive, **opts):
        try:
            day = dt.date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{before}") from None
        if day > earliest_allowed_cutoff():
            raise CommandError(
                f"操作日志至少保存到 {earliest_allowed_cutoff():%Y-%m-%d}，不能清理 {day} 之前的记录。"
            )
        path = Path(archive)
        if path.exists():
            raise CommandError(f"归档文件 {path} 已存在，请换一个文件名。")
        count = purge(day, path)
        self.stdout.write(self.style.SUCCESS(f"已归档并清理 {count} 条 {day} 之前的操作日志：{path}"))
