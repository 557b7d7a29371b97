"""Large exports in the national layouts on the one job runner (``core.jobs``): queued by the export page when
the list holds more than ``IN_REQUEST`` persons, written by the task worker to a file on disk with progress,
handed out like every job's file (``core.downloads``: requester or readers who see personal data in full,
audited). Smaller lists are written inside the request (a few seconds at most)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext_noop

from jingzhun.core import jobs
from jingzhun.registry import selectors
from jingzhun.registry.forms import HouseholdFilterForm
from jingzhun.registry.models import Member

from . import national_export
from .models import ExportFormat, ExportJob

# Persons above which the national-layout export leaves the request: the column-wise writer does ~100,000
# persons/s on the bench machine, so the request stays well under a proxy's usual 60 s timeout below this.
IN_REQUEST = 20_000
FILTERS_GONE = gettext_noop("筛选条件已不再有效（例如区划已不在您的管辖范围内），请回到贫困户名单重新导出。")


def persons_in(queryset) -> int:
    """The active members of the listed households: what an export of the list writes to its member file."""
    return Member.objects.filter(household__in=queryset.order_by().values("pk"), is_active=True).count()


def national_export_queue(
    *, user, filters: dict, fmt: str, full_personal_data: bool, bank_in_full: bool
) -> ExportJob:
    """Queue the national-layout export of the list ``filters`` selects (the household list's query string)
    for ``user``, masked as decided now by the caller from ``user``'s permission."""
    return jobs.enqueue(
        ExportJob, user=user, region_code=user.region_id or "", filters=filters, format=ExportFormat(fmt),
        full_personal_data=full_personal_data, bank_in_full=bank_in_full,
    )  # fmt: skip


def national_export_run(job: ExportJob, progress: jobs.Progress) -> None:
    """Write the job's file: the list re-read under its requester's scope and filters (a requester who lost the
    region, or filters no longer valid, fail the job with the reason)."""
    form = HouseholdFilterForm(job.filters or None, user=job.user)
    if job.filters and not form.is_valid():
        raise jobs.JobFailed(FILTERS_GONE)
    queryset = selectors.household_list(user=job.user, filters=form.filters(), action="export")
    total = queryset.count() + persons_in(queryset)
    progress(0, total)
    csv = job.format == ExportFormat.CSV
    writer = national_export.write_csv_zip if csv else national_export.write_xlsx
    suffix = "zip" if csv else "xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{suffix}"
        households, persons = writer(path, queryset, mask=not job.full_personal_data, bank=job.bank_in_full,
                                     year=form.filters().year, progress=progress, total=total)  # fmt: skip
        name = f"贫困户-国家系统格式-{timezone.localtime():%Y%m%d-%H%M}.{suffix}"
        with path.open("rb") as fh:
            job.file.save(name, File(fh), save=False)
    ExportJob.objects.filter(pk=job.pk).update(file=job.file.name, households=households, persons=persons)
