"""Background work of the imports app, run by the task worker (``jingzhun db_worker``)."""

from pathlib import Path

from django.tasks import task

from jingzhun.analytics.tasks import refresh_rollups
from jingzhun.core.context import acting_as

from .models import ImportJob, ImportStatus
from .reader import FileRejected
from .services import attach_error_report, import_file


@task()
def run_import(job_id: int) -> str:
    """Import one uploaded file; ``import_file`` records the outcome on the job, the error report is attached."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    try:
        with acting_as(job.user, source=f"import:{job.pk}"):
            result = import_file(
                user=job.user, path=Path(job.file.path), job=job, mode=job.mode, progress=job.write_progress
            )
    except FileRejected:
        return ImportStatus.FAILED  # the reason is on the job
    if not result.ok:
        report = Path(job.file.path).with_name(f"{Path(job.file.path).stem}-report.xlsx")
        attach_error_report(result, report)
        report.unlink()
    if job.created or job.updated:
        refresh_rollups.enqueue()  # the dashboards follow the registry without waiting for the night
    return job.status
