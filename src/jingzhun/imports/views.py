"""Pages for importing and exporting registration spreadsheets."""

import tempfile
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core import audit, jobs
from jingzhun.core.downloads import job_file_response, jobs_for_reader, may_download
from jingzhun.core.masking import sees_bank_accounts, sees_in_full
from jingzhun.core.models import AuditAction
from jingzhun.core.xlsxexport import XLSX
from jingzhun.regions.models import Region
from jingzhun.registry import selectors
from jingzhun.registry.views import parse_filters

from . import export, export_jobs, national_export
from .forms import ImportForm
from .models import ExportJob, ImportJob
from .template import write_template


@login_required
def import_start(request):
    permissions.require(request.user, "change", what=_("导入数据"))
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        members = form.cleaned_data.get("member_file")  # the national layout's second file
        job = jobs.enqueue(
            ImportJob,
            user=request.user,
            region_code=request.user.region_id or "",
            file=upload,
            member_file=members or "",
            original_name=(f"{upload.name} + {members.name}" if members else upload.name)[:200],
            mode=form.cleaned_data["mode"],
            history_year=form.cleaned_data.get("history_year"),
        )
        return redirect("imports:job", pk=job.pk)
    jobs.reap(ImportJob)
    recent = ImportJob.objects.for_user(request.user).select_related("user")[:20]
    return render(request, "imports/import.html", {"form": form, "jobs": recent})


@login_required
def import_job(request, pk: int):
    jobs.reap(
        ImportJob, pk=pk
    )  # a job whose process died is failed here, when someone looks (polled: this one)
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    done, total = job.read_progress()
    context = {
        "job": job,
        "done": done,
        "total": total,
        "running": job.is_active,
        "can_download_file": _may_read_file(request.user, job),
        "can_retry": job.may_retry(request.user),
    }
    template = "imports/_progress.html" if request.headers.get("HX-Request") else "imports/job.html"
    return render(request, template, context)


@login_required
def import_report(request, pk: int):
    """The error report: the failing rows as they were in the file, so with personal data in full."""
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    if not job.report:
        raise Http404
    return _job_file(request, job, job.report, Path(job.report.name).name, XLSX)


def _job_file(request, job: ImportJob, field_file, filename: str, content_type: str | None = None):
    # An import's file and its error report hold the rows as uploaded, personal data in full: its importer
    # (whose own upload it is) and readers who see personal data in full may have them.
    return job_file_response(
        request.user, job, field_file, filename=filename, requester_id=job.user_id, full_data=True,
        requester_may=True, region_code=job.region_code, content_type=content_type, root=f"imports.job:{job.pk}",
    )  # fmt: skip


@login_required
@require_POST
def import_retry(request, pk: int):
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    jobs.retry(job, user=request.user)  # only its importer, only a failed one (ImportJob.may_retry)
    return redirect("imports:job", pk=job.pk)


def _may_read_file(user, job: ImportJob) -> bool:
    return bool(job.file) and may_download(user, requester_id=job.user_id, requester_may=True)


@login_required
def import_source_file(request, pk: int):
    """The imported file as it was stored (the audit of the households it created refers to its rows)."""
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    if not job.file:
        raise Http404
    name = (
        Path(job.file.name).name if job.member_file else job.original_name
    )  # national pair: the household file
    return _job_file(request, job, job.file, name)


@login_required
def import_template(request):
    flat = request.GET.get("flat") == "1"
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    write_template(Path(handle.name), flat=flat)
    name = "贫困户登记表-导入模板（单表）.xlsx" if flat else "贫困户登记表-导入模板.xlsx"
    return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=name, content_type=XLSX)


# an export's file by its suffix (Python's mimetypes knows no .parquet)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": XLSX,
    "zip": "application/zip",
}


@login_required
def household_export(request, fmt: str):
    """The filtered, scoped household list in the import layout (.xlsx, .csv or .parquet)."""
    if fmt not in {"xlsx", "csv", "parquet"}:
        raise Http404
    permissions.require(request.user, "export")
    form, filters = parse_filters(request)
    if form.errors:
        raise Http404(_("筛选条件有误。"))
    qs = selectors.household_list(user=request.user, filters=filters, action="export")
    # Masked by default; roles that may reveal ID numbers can ask for them in full (e.g. to correct and
    # re-import the file). The export's audit entry records which it was.
    full = request.GET.get("full") == "1"
    if full:
        permissions.require(request.user, "reveal", what=_("导出完整的身份证号码"))
    mask = not (sees_in_full(request.user) or full)
    layout = "national" if request.GET.get("layout") == "national" else "ours"
    if layout == "national" and fmt == "parquet":
        raise Http404
    region = filters.region
    # account numbers in full for finance roles only (the national layouts hold them; ours do not)
    bank = layout == "national" and sees_bank_accounts(request.user)
    audit.build_entry(
        AuditAction.EXPORT,
        region or Region(code="", name=_("全国")),
        changes={
            "filters": request.GET.dict(),
            "masked": mask,
            "bank_in_full": bank,
            "format": fmt,
            "layout": layout,
        },
        root="registry.export",
        region_code=region.code if region else "",
    ).save()
    name, suffix = export_jobs.file_name(region, layout, fmt), export_jobs.suffix(layout, fmt)
    if export_jobs.too_long_for_request(qs, layout, fmt):  # the job runner writes it
        job = export_jobs.export_queue(
            user=request.user, filters=request.GET.dict(), layout=layout, fmt=fmt, full_personal_data=not mask,
            bank_in_full=bank,
        )  # fmt: skip
        return redirect("imports:export_job", pk=job.pk)
    if layout == "national":  # the national system's two files: GB18030 CSVs in a .zip, or one .xlsx
        handle = tempfile.NamedTemporaryFile(suffix=f".{suffix}")  # noqa: SIM115 - closed by FileResponse
        writer = national_export.write_csv_zip if fmt == "csv" else national_export.write_xlsx
        writer(Path(handle.name), qs, mask=mask, bank=bank, year=filters.year)
        return FileResponse(open(handle.name, "rb"), as_attachment=True, filename=name,
                            content_type=CONTENT_TYPES[suffix])  # fmt: skip
    if fmt == "csv":
        response = StreamingHttpResponse(
            export.csv_chunks(qs, mask=mask, year=filters.year), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
    # xlsx and parquet are written to a temporary file (constant memory) and streamed from disk.
    handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - closed by FileResponse
    writer = export.write_xlsx if fmt == "xlsx" else export.write_parquet
    writer(Path(handle.name), qs, mask=mask, year=filters.year)
    return FileResponse(
        open(handle.name, "rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[suffix]
    )


EXPORTS_LISTED = 30


@login_required
def export_list(request):
    """The reader's recent large exports (everyone's in scope for readers who see personal data in full, who
    may download them all), each leading to its page: where one comes back for a file made in the background."""
    jobs.reap(ExportJob)
    recent = jobs_for_reader(ExportJob.objects.for_user(request.user).select_related("user"), request.user)
    return render(
        request, "imports/export_list.html", {"jobs": recent[:EXPORTS_LISTED], "listed": EXPORTS_LISTED}
    )


@login_required
def export_job(request, pk: int):
    """A large export's page: its progress while the worker writes it, then the download."""
    jobs.reap(ExportJob, pk=pk)  # a job whose process died is failed here, when someone looks
    job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)
    context = {
        "job": job,
        "running": job.is_active,
        "can_download": job.status == jobs.JobStatus.DONE and bool(job.file)
        and may_download(request.user, requester_id=job.user_id, requester_may=_still_may(request.user, job)),
    }  # fmt: skip
    template = (
        "imports/_export_progress.html" if request.headers.get("HX-Request") else "imports/export_job.html"
    )
    return render(request, template, context)


@login_required
def export_download(request, pk: int):
    """The export's file: to its requester, or to readers who see personal data in full; audited."""
    job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)
    if job.status != jobs.JobStatus.DONE or not job.file:
        raise Http404
    return job_file_response(
        request.user, job, job.file, filename=Path(job.file.name).name, requester_id=job.user_id,
        full_data=job.full_personal_data or job.bank_in_full, requester_may=_still_may(request.user, job),
        region_code=job.region_code, content_type=CONTENT_TYPES[Path(job.file.name).suffix[1:]],
    )  # fmt: skip


def _still_may(user, job: ExportJob) -> bool:
    """Does the requester still hold the rights the file was made with (personal data in full — by role, or by
    the right to reveal it that the request asked with — and bank accounts in full)? One who has lost them no
    longer gets it (``core.downloads``)."""
    in_full = sees_in_full(user) or permissions.may(user, "reveal")
    return (not job.full_personal_data or in_full) and (not job.bank_in_full or sees_bank_accounts(user))
