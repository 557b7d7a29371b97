"""Background work of the reports app, run by the task worker (``jingzhun db_worker``)."""

from django.core.files.base import ContentFile
from django.tasks import task
from django.utils import timezone

from jingzhun.core import jobs

from .models import ReportJob, ReportKind, ReportStatus
from .registers import (
    counter,
    county_archive_zip,
    registers_of,
    township_book_pdf,
    village_register,
    village_register_pdf,
    villages_of,
)


def build(job: ReportJob) -> tuple[bytes, str]:
    """The file's content and name for ``job``, progress written to the job after each village."""

    def progress(done: int, total: int) -> None:
        ReportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    region, year, full = job.region, job.year, job.full_personal_data
    if job.kind == ReportKind.VILLAGE_REGISTER:
        progress(0, 1)
        data = village_register_pdf(village_register(region, year, full=full))
        return data, f"村有册-{region.name}-{year}.pdf"
    if job.kind == ReportKind.TOWNSHIP_BOOK:
        villages = villages_of(region)
        registers = registers_of(villages, year, full=full, step=counter(len(villages), progress))
        return township_book_pdf(region, registers, year), f"乡有簿-{region.name}-{year}.pdf"
    return county_archive_zip(region, year, full=full, progress=progress), f"县有档-{region.name}-{year}.zip"


@task()
def build_report(job_id: int) -> str:
    """Generate one register and attach it to its job; a failure is recorded for the user."""
    job = ReportJob.objects.select_related("region").get(pk=job_id)
    jobs.claim(ReportJob, job.pk, status=ReportStatus.RUNNING)
    try:
        with jobs.heartbeat(ReportJob, job.pk):
            data, name = build(job)
    except Exception as exc:  # recorded for the user; the worker logs the traceback
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportStatus.FAILED,
            message=f"生成失败（{type(exc).__name__}），请稍后重试。",
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    job.file.save(name, ContentFile(data), save=False)
    job.status, job.done, job.finished_at = ReportStatus.DONE, job.total, timezone.now()
    job.save()
    return job.status
