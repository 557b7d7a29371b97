"""``jingzhun exports-purge [--days N]``: delete the files of large exports made more than N days ago
(default ``JINGZHUN_EXPORT_RETENTION_DAYS``, 7); each job keeps its record and says why its file is gone."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jingzhun.imports.export_jobs import purge_expired


class Command(BaseCommand):
    help = "Delete the files of exports older than the retention period (the jobs keep their records)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=settings.EXPORT_RETENTION_DAYS, help="files made more than N days ago"
        )

    def handle(self, *args, days, **opts):
        if days < 0:
            raise CommandError(f"天数不能为负数：{days}")
        count = purge_expired(days)
        self.stdout.write(self.style.SUCCESS(f"已删除 {count} 个超过 {days} 天的导出文件。"))
