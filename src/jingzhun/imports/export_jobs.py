"""Large exports of the household list on the one job runner (``core.jobs``), in the national layouts or in
ours: queued by the export page when the list holds more persons than the file's format writes within a
request (``too_long_for_request``), written by the task worker to a file on disk with progress, handed out like every
job's file (``core.downloads``: requester or readers who see personal data in full, audited). Smaller lists are
written inside the request (a few seconds at most)."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext_noop

from jingzhun.core import jobs
from jingzhun.registry import selectors
from jingzhun.registry.forms import HouseholdFilterForm
from jingzhun.registry.models import Member

from . import export, national_export
from .models import ExportFormat, ExportJob, ExportLayout

logger = logging.getLogger(__name__)

# Persons above which an export leaves the request, so that it stays well under a proxy's usual 60 s timeout
# and a web worker's memory stays small. The workbooks and the national layouts: ~5,000–100,000 persons/s on
# the bench machine. Our CSV and Parquet: ~140,000 persons/s (DuckDB's cells), but the process holds two
# chunks of ~80,000 persons in flight (~0.9 GiB at a province's size), which a web worker should not.
IN_REQUEST = 20_000
IN_REQUEST_COLUMNAR = 100_000
FILTERS_GONE = gettext_noop("筛选条件已不再有效（例如区划已不在您的管辖范围内），请回到贫困户名单重新导出。")
EXPIRED = gettext_noop("文件已超过保存期限，已删除；如仍需要，请回到贫困户名单重新导出。")


def purge_expired(days: int | None = None) -> int:
    """Delete the files of exports made more than ``days`` (``settings.EXPORT_RETENTION_DAYS``) ago — lists
    often with personal data in full, which can be exported again at any time; each job keeps its record and
    says why its file is gone. Returns the number of files deleted. Run before each export job and by
    ``jingzhun exports-purge``."""
    days = settings.EXPORT_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    expired = ExportJob.objects.exclude(file="").filter(finished_at__lt=cutoff)
    deleted = 0
    for job in expired.iterator():  # a few a day: one file each
        try:
            job.file.delete(save=False)
        except OSError:  # one file that will not go keeps neither the others nor an export from going on
            logger.exception("export file %s not deleted", job.file.name)
            continue
        deleted += ExportJob.objects.filter(pk=job.pk).update(file="", message=EXPIRED)
    return deleted


def suffix(layout: str, fmt: str) -> str:
    """The file's suffix: the national CSVs are two files in a .zip."""
    return "zip" if layout == ExportLayout.NATIONAL and fmt == ExportFormat.CSV else fmt


def file_name(region, layout: str, fmt: str, *, made_at=None) -> str:
    """The exported file's name: the list's region (全国 when none), the layout, when a job made it."""
    kind = "-国家系统格式" if layout == ExportLayout.NATIONAL else ""
    when = f"-{timezone.localtime(made_at):%Y%m%d-%H%M}" if made_at else ""
    return f"贫困户-{region.name if region else '全国'}{kind}{when}.{suffix(layout, fmt)}"


def _persons(queryset):
    return Member.objects.filter(household__in=queryset.order_by().values("pk"), is_active=True)


def persons_in(queryset) -> int:
    """The active members of the listed households: what an export of the list writes to its member file."""
    return _persons(queryset).count()


def too_long_for_request(queryset, layout: str, fmt: str) -> bool:
    """Does the list hold more persons than an export of ``layout`` and ``fmt`` writes inside the request?
    Counted no further than that (a province's 30 million persons are not counted to decide it)."""
    columnar = layout == ExportLayout.OURS and fmt in (ExportFormat.CSV, ExportFormat.PARQUET)
    limit = IN_REQUEST_COLUMNAR if columnar else IN_REQUEST
    return _persons(queryset).values("pk")[: limit + 1].count() > limit


def export_queue(
    *, user, filters: dict, layout: str, fmt: str, full_personal_data: bool, bank_in_full: bool = False
) -> ExportJob:
    """Queue the export of the list ``filters`` selects (the household list's query string) for ``user``,
    masked as decided now by the caller from ``user``'s permission."""
    return jobs.enqueue(
        ExportJob, user=user, region_code=user.region_id or "", filters=filters, layout=ExportLayout(layout),
        format=ExportFormat(fmt), full_personal_data=full_personal_data, bank_in_full=bank_in_full,
    )  # fmt: skip


def export_run(job: ExportJob, progress: jobs.Progress) -> None:
    """Write the job's file: the list re-read under its requester's scope and filters (a requester who lost the
    region, or filters no longer valid, fail the job with the reason)."""
    purge_expired()  # the files of old exports go before a new one is written
    form = HouseholdFilterForm(job.filters or None, user=job.user)
    if job.filters and not form.is_valid():
        raise jobs.JobFailed(FILTERS_GONE)
    queryset = selectors.household_list(user=job.user, filters=form.filters(), action="export")
    year, mask = form.filters().year, not job.full_personal_data
    households, persons = queryset.count(), persons_in(queryset)
    total = households + persons if job.households_first else persons
    progress(0, total)
    counted = {"progress": progress, "total": total}
    national = job.layout == ExportLayout.NATIONAL
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{suffix(job.layout, job.format)}"
        if national:
            writer = national_export.write_csv_zip if path.suffix == ".zip" else national_export.write_xlsx
            households, persons = writer(
                path, queryset, mask=mask, bank=job.bank_in_full, year=year, **counted
            )  # fmt: skip
        elif job.format == ExportFormat.XLSX:
            households, persons = export.write_xlsx(path, queryset, mask=mask, year=year, **counted)
        else:  # one row per person
            writer = export.write_csv if job.format == ExportFormat.CSV else export.write_parquet
            persons = writer(path, queryset, mask=mask, year=year, **counted)
        name = file_name(form.filters().region, job.layout, job.format, made_at=timezone.now())
        with path.open("rb") as fh:
            job.file.save(name, File(fh), save=False)
    ExportJob.objects.filter(pk=job.pk).update(file=job.file.name, households=households, persons=persons)
