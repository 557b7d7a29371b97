"""Background work of the imports app, run by the task worker (``jingzhun db_worker``)."""

from pathlib import Path

from django.core.files.base import ContentFile
from django.tasks import task
from django.utils import timezone

from jingzhun.analytics.tasks import refresh_rollups
from jingzhun.core.context import acting_as

from .models import ImportJob, ImportStatus
from .reader import FileRejected
from .services import import_file, write_error_report


@task()
def run_import(job_id: int) -> str:
    """Import one uploaded file; the outcome is recorded on the job, and the error report attached to it."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    try:
        with acting_as(job.user, source=f"import:{job.pk}"):
            result = import_file(
                user=job.user, path=Path(job.file.path), job=job, mode=job.mode, progress=job.write_progress
            )
    except FileRejected:
        return ImportStatus.FAILED  # the reason is on the job
    except Exception as exc:  # recorded for the user; the worker logs the traceback
        job.status, job.message = (
            ImportStatus.FAILED,
            f"导入时发生意外错误（{type(exc).__name__}），未保存任何数据。",
        )
        job.finished_at = timezone.now()
        job.save()
        raise
    if not result.ok:
        report = Path(job.file.path).with_name(f"{Path(job.file.path).stem}-report.xlsx")
        write_error_report(result, report)
        job.report.save(
            f"{Path(job.original_name).stem}-错误报告.xlsx", ContentFile(report.read_bytes()), save=True
        )
        report.unlink()
    if job.created or job.updated:
        refresh_rollups.enqueue()  # the dashboards follow the registry without waiting for the night
    return job.status
