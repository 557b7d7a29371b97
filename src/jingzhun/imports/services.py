"""Importing registration spreadsheets through the registry services, and the error report.

- all-or-nothing (default): every household is validated and written in one transaction; any error and the
  database is exactly as before;
- ``valid``: households that pass are written batch by batch (each batch commits whole), the rest are held in
  the error report.
Re-importing a file changes nothing: households are matched by 户编号 or by the head's ID number, members by ID
number; a household whose values differ is updated (and audited), an identical one is skipped.

The stages, one way:

    reader (CSV in UTF-8/GB18030, .xlsx, .xls: ``reader``)
      → layout (headers to columns, code lists: ``layout``)
      → column checks (``columnar``)
      → set-based write (``write``), handing every household the checks cannot vouch for to
      → the per-household path (``rows``), which stays the one authority on what is valid (docs/decisions.md #12).

The two-sheet layout goes from the reader to the per-household path directly.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.accounts import permissions
from jingzhun.core import jobs
from jingzhun.core.cells import write_text
from jingzhun.core.context import acting_as, current_actor
from jingzhun.registry import status as registry_status

from . import national, rows, write
from .models import ImportJob
from .reader import FileRejected, ParsedFile, SourceRow, _text, open_flat, parse_tables, read_tables
from .result import ImportAborted, ImportResult


def check_size(path: Path) -> None:
    limit = settings.IMPORT_MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise FileRejected(
            f"文件大小 {size / 2**20:.1f} MB 超过上限 {limit / 2**20:.0f} MB，请拆分后分批导入。"
        )
    if size == 0:
        raise FileRejected(gettext_noop("文件是空的。"))


def import_file(
    *,
    user,
    path: Path,
    mode: str = "all",
    job: ImportJob | None = None,
    batch: int = 5000,
    progress: Callable[[int, int], None] | None = None,
    columns: bool = True,
    history_year: int | None = None,
    member_path: Path | None = None,
) -> ImportResult:
    """Import ``path``; see the module docstring for the two modes. Raises FileRejected for unreadable files.

    ``job`` is the upload's record; without one (a command, a script) the file is stored as a new job, since
    the audit entries of the households it registers refer to its rows. The outcome is recorded on the job.
    One-row-per-person files take the column path (``columnar``) unless ``columns`` is False; both give the
    same result — a test holds them to it.

    ``history_year`` (or the job's) makes it a historical load (历史数据载入, national and provincial
    administrators): statuses and 脱贫年度 are taken as they stood at the end of that year and written as status
    history (``registry.status``); otherwise a status other than 未识别 is refused by row.

    The national system's layout (``national``) comes as ``path`` (户年度基础信息) and ``member_path`` (人员信息),
    or as one workbook with both sheets (the error report is one); its bank details are stored (encrypted)
    once the import has committed, where the user may set accounts (``national.send_bank_accounts``).
    """
    if mode not in {"all", "valid"}:
        raise ValueError(mode)
    permissions.require(user, "change", what=_("导入数据"))
    if history_year is None and job is not None:
        history_year = job.history_year
    if history_year is not None:
        registry_status.check_history(user, history_year)
    check_size(path)
    if member_path is None and job is not None and job.member_file:
        member_path = Path(job.member_file.path)
    if member_path is not None:
        check_size(member_path)
    job = job or ImportJob.for_file(
        user=user, path=path, mode=mode, history_year=history_year, member_path=member_path
    )
    load = (
        registry_status.loading_history(user, as_of=history_year, reference=f"导入任务 #{job.pk}")
        if history_year is not None
        else nullcontext()
    )
    try:
        # a command's import beats too: hosts elsewhere see it alive
        with jobs.heartbeat(ImportJob, job.pk), load:
            result = _import(
                user,
                path,
                job,
                mode=mode,
                batch=batch,
                progress=progress,
                columns=columns,
                member_path=member_path,
            )
    except FileRejected as exc:
        _record(job, status=jobs.JobStatus.FAILED, message=str(exc))
        raise
    except Exception as exc:  # recorded for the user; the caller (worker, command) reports the traceback
        kept = "未保存任何数据" if mode == "all" else "已完成的批次已保存，重新导入同一文件可继续"
        _record(
            job, status=jobs.JobStatus.FAILED, message=f"导入时发生意外错误（{type(exc).__name__}），{kept}。"
        )
        raise
    _record(job, result=result)
    result.job = job
    if result.national is not None and (result.created or result.updated or result.unchanged):
        if result.national.bank and user is not None and not permissions.may(user, "set_bank_account"):
            # accounts are finance's to register: the households came in, their accounts did not — said so
            result.notices.append(BANK_NOT_STORED)
            if not job.message:  # the errors' message, when there is one, matters more
                ImportJob.objects.filter(pk=job.pk).update(message=BANK_NOT_STORED)
        else:
            national.send_bank_accounts(result.national, user=user)
    return result


def attach_error_report(result: ImportResult, path: Path) -> int:
    """Write the error report to ``path`` and keep a copy on the import's job (its page offers it); returns
    the number of rows."""
    rows = (
        national.write_report(result.national, result.failed_groups, result.parsed.loose_rows, path)
        if result.national is not None
        else write_error_report(result, path)
    )
    name = f"{Path(result.job.original_name).stem}-错误报告.xlsx"
    result.job.report.save(name, ContentFile(path.read_bytes()), save=True)
    return rows


def _import(
    user, path: Path, job: ImportJob, *, mode, batch, progress, columns, member_path=None
) -> ImportResult:
    source = None  # the national layout's two files, as read
    if member_path is not None or national.is_workbook(path):
        opened, source = national.open_pair(user, path, member_path)
        parsed = ParsedFile("national", {}, iter(()), source.loose, opened.total)
    else:  # reader and layout: headers checked before anything is imported
        opened = open_flat(path) if columns else None
        if opened is None:
            parsed = parse_tables(read_tables(path))  # the two-sheet layout; households then stream in
        else:
            parsed = ParsedFile(
                "flat", {opened.sheet: [_text(h) for h in opened.header]}, iter(()), [], opened.total
            )
    result = ImportResult(mode=mode, parsed=parsed, source=path, national=source)
    keep_going = mode == "valid"
    # Attribute the writes to ``user`` unless a request or command has already said who is acting.
    actor = (
        acting_as(user, source="import")
        if user is not None and current_actor().user is None
        else nullcontext()
    )
    # all-or-nothing: one transaction for the file. valid: one transaction per batch, so that a killed import
    # leaves whole batches only, and running it again resumes (finished households are found unchanged).
    whole_file = transaction.atomic() if not keep_going else nullcontext()
    options = {"batch": batch, "keep_going": keep_going, "progress": progress}
    try:
        with actor, whole_file:
            if source is not None:  # households the layout refused (names, joins, bank details): failed
                result.failed_groups += source.refused
                result.households += len(source.refused)
            if opened is None:
                rows.import_rows(user, parsed, result, **options)
            else:
                write.import_columns(user, opened, result, job=job, **options)
            if source is not None:
                source.add_household_rows(result.failed_groups)
            if result.households == 0 and not parsed.loose_rows:
                raise FileRejected(gettext_noop("文件中没有数据行。"))
            result.failed = len(result.failed_groups)
            if not keep_going and not result.ok:
                raise ImportAborted
    except ImportAborted:
        result.created = result.updated = 0
    return result


BANK_NOT_STORED = gettext_noop(
    "文件中的开户银行名称和银行卡号未保存：一卡通账户只能由财务人员（有“登记一卡通账户”权限的角色）导入或登记。"
)


# The fixed outcomes are kept on the job in Chinese (gettext_noop) and translated where the page shows them.
def _record(job: ImportJob, *, result: ImportResult | None = None, status: str = jobs.JobStatus.DONE,
            message: str = "") -> None:  # fmt: skip
    """The outcome on the job: counts, status and what the user should do next."""
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if result is not None:
        for name in ("households", "persons", "created", "updated", "unchanged", "failed"):
            setattr(job, name, getattr(result, name))
        if not result.ok:
            job.message = (
                gettext_noop("有错误，未保存任何数据：请下载错误报告，改正后重新导入。")
                if result.mode == "all"
                else gettext_noop("已保存正确的户；有错误的户见错误报告。")
            )
    job.save()


def write_error_report(result: ImportResult, path: Path) -> int:
    """The failing rows as they were, plus 错误原因, in the file's own layout; returns the number of rows.

    Every row of a failing household is included, so that the report can be corrected and imported again.
    """
    import xlsxwriter

    parsed = result.parsed
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    red = book.add_format({"font_color": "#B3261E", "text_wrap": True})
    quoted = book.add_format({"quote_prefix": True})
    rows_by_sheet: dict[str, list[SourceRow]] = {}
    for group in result.failed_groups:
        for row in group.rows:
            rows_by_sheet.setdefault(row.sheet, []).append(row)
    for row in parsed.loose_rows:
        rows_by_sheet.setdefault(row.sheet, []).append(row)
    tables = read_tables(result.source).rows  # a second pass over the file picks the failing rows' cells
    count = 0
    for sheet_name, header in parsed.headers.items():
        wanted = {row.number for row in rows_by_sheet.get(sheet_name, [])}
        cells = {n: raw for n, raw in enumerate(tables[sheet_name], start=1) if n in wanted}
        sheet = book.add_worksheet(sheet_name if parsed.layout == "two-sheet" else "登记表")
        sheet.write_row(0, 0, [*header, "错误原因"], bold)
        sheet.set_column(len(header), len(header), 60)
        for r, row in enumerate(sorted(rows_by_sheet.get(sheet_name, []), key=lambda x: x.number), start=1):
            for c, value in enumerate(cells[row.number][: len(header)]):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                elif value not in (None, ""):
                    write_text(sheet, r, c, str(value), quoted)
            sheet.write_string(r, len(header), "；".join(row.errors) or "同户其他行有错误", red)
            count += 1
    book.close()
    return count
