"""Background work of the reports app, run by the task worker (``jingzhun db_worker``)."""

from django.core.files.base import ContentFile
from django.tasks import task

from jingzhun.core import jobs

from .models import ReportJob, ReportKind
from .registers import (
    counter,
    county_archive_zip,
    registers_of,
    township_book_pdf,
    village_register,
    village_register_pdf,
    villages_of,
)


def build(job: ReportJob, progress: jobs.Progress | None = None) -> tuple[bytes, str]:
    """The file's content and name for ``job``, progress written to the job after each village."""
    progress = progress or job.write_progress
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


def _build_and_attach(job: ReportJob, progress: jobs.Progress) -> None:
    data, name = build(job, progress)
    job.file.save(name, ContentFile(data), save=False)
    ReportJob.objects.filter(pk=job.pk).update(file=job.file.name)


@task()
def build_report(job_id: int) -> str:
    """Generate one register and attach it to its job; a failure is recorded for the user."""
    return jobs.run(ReportJob, job_id, _build_and_attach).status
