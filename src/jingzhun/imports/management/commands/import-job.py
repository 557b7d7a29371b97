"""``jingzhun import-job ID``: run one uploaded import (the task worker starts this in a memory-limited child
process; see ``imports.tasks.run_import``). Records the outcome and the error report on the job."""

from pathlib import Path

from django.core.management.base import BaseCommand

from jingzhun.core import jobs
from jingzhun.core.context import acting_as
from jingzhun.imports.models import ImportJob
from jingzhun.imports.reader import FileRejected
from jingzhun.imports.services import attach_error_report, import_file


class Command(BaseCommand):
    help = "Run one queued import job (used by the task worker)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("job", type=int)

    def handle(self, *args, job, **opts):
        record = ImportJob.objects.select_related("user").get(pk=job)
        jobs.claim(ImportJob, record.pk, status=jobs.JobStatus.RUNNING)  # its pid is the one watched
        with acting_as(record.user, source=f"import:{record.pk}"):  # import_file beats for the job
            try:
                result = import_file(
                    user=record.user, path=Path(record.file.path), job=record, mode=record.mode,
                    progress=record.write_progress,
                )  # fmt: skip
            except FileRejected as exc:
                # the reason on the job (import_file has put it there, unless it refused the file at once)
                jobs.fail(ImportJob, record.pk, str(exc))
                return
            if not result.ok:
                report = Path(record.file.path).with_name(f"{Path(record.file.path).stem}-report.xlsx")
                attach_error_report(result, report)
                report.unlink()
