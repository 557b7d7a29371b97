"""Importing registration spreadsheets through the registry services, and the error report.

- all-or-nothing (default): every household is validated and written in one transaction; any error and the
  database is exactly as before;
- ``valid``: households that pass are written batch by batch (each batch commits whole), the rest are held in
  the error report.
Re-importing a file changes nothing: households are matched by 户编号 or by the head's ID number, members by ID
number; a household whose values differ is updated (and audited), an identical one is skipped.

One-row-per-person files take the column path (``columnar`` checks, ``registry.bulk`` writes new households
set-based) and hand every household it cannot vouch for to the row path below (``_import_chunk``), which
stays the one authority on what is valid (docs/decisions.md #12).
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, reset_queries, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.accounts import permissions
from jingzhun.core import audit, jobs
from jingzhun.core.cells import write_text
from jingzhun.core.context import acting_as, current_actor
from jingzhun.core.readahead import read_ahead
from jingzhun.registry import bulk
from jingzhun.registry import services as registry
from jingzhun.registry import status as registry_status
from jingzhun.registry.choices import Relationship
from jingzhun.registry.models import Household, Member

from . import columnar
from .layout import FLAT_COLUMNS, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_COLUMNS, MEMBER_SHEET
from .models import ImportJob
from .reader import (
    FileRejected,
    HouseholdGroup,
    ParsedFile,
    SourceRow,
    _text,
    csv_info,
    index_headers,
    parse_tables,
    read_tables,
)

HEADERS = {c.key.split(".", 1)[1]: c.header for c in (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS)}
HEADERS |= {"members": "家庭成员", "years": "年度", "non_field_errors": "数据", "number": "户编号"}


@dataclasses.dataclass
class ImportResult:
    mode: str
    households: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    persons: int = 0
    parsed: ParsedFile | None = None
    source: Path | None = None
    failed_groups: list[HouseholdGroup] = dataclasses.field(default_factory=list)  # kept for the report
    job: ImportJob | None = None  # the record of this import, with its stored file

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not (self.parsed and self.parsed.loose_rows)


class ImportAborted(Exception):
    """All-or-nothing import with errors: raised inside the transaction so that it rolls back."""


def check_size(path: Path) -> None:
    limit = settings.IMPORT_MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise FileRejected(
            f"文件大小 {size / 2**20:.1f} MB 超过上限 {limit / 2**20:.0f} MB，请拆分后分批导入。"
        )
    if size == 0:
        raise FileRejected(gettext_noop("文件是空的。"))


def _row_for(group: HouseholdGroup, path: list[str]) -> SourceRow:
    """The source row an error path points at: a member's own row, else the household's row."""
    if path[:1] == ["members"] and len(path) > 1 and path[1].isdigit():
        member_rows = [r for r in group.rows if r.sheet == MEMBER_SHEET] or group.rows
        index = int(path[1])
        if index < len(member_rows):
            return member_rows[index]
    return group.rows[0]


def _attach(group: HouseholdGroup, error: ValidationError, prefix: str = "") -> None:
    for key, messages in error.message_dict.items():
        if prefix and not key.startswith(prefix):
            continue
        path = key[len(prefix) :].split(".")
        row = _row_for(group, path)
        header = HEADERS.get(path[-1], path[-1])
        for message in messages:
            row.errors.append(f"第 {row.number} 行「{header}」：{message}")


def _head_id(group: HouseholdGroup) -> str:
    head = next((m for m in group.members if m.get("relationship") == Relationship.HEAD), None)
    return (head.get("id_number") or "").upper() if head else ""


def _existing(user, groups: list[HouseholdGroup]) -> dict[str, Household]:
    """The already registered households among ``groups`` (by number, else by the head's ID number), in two
    queries for the whole chunk; keyed by group key."""
    scoped = Household.objects.for_user(user, "change") if user is not None else Household.objects.all()
    with_parts = [
        Prefetch("members", queryset=Member.objects.filter(is_active=True), to_attr="active_members"),
        "years",
    ]
    numbers = {g.number: g.key for g in groups if g.number}
    heads = {_head_id(g): g.key for g in groups if not g.number and _head_id(g)}
    found: dict[str, Household] = {}
    if numbers:
        for h in scoped.filter(number__in=list(numbers)).prefetch_related(*with_parts):
            found[numbers[h.number]] = h
    if heads:
        members = Member.objects.filter(id_number__in=list(heads), is_active=True, household__in=scoped)
        by_id = {m.household_id: m.id_number for m in members.only("id_number", "household_id")}
        for h in Household.objects.filter(pk__in=list(by_id)).prefetch_related(*with_parts):
            found[heads[by_id[h.pk]]] = h
    return found


def _equal(stored, given) -> bool:
    """A snapshot value against a value read from the file (numbers compared as numbers: 2.50 == 2.5)."""
    if isinstance(given, Decimal):
        return stored is not None and Decimal(str(stored)) == given
    return stored == audit.json_value(given)


def _same(household: Household, group: HouseholdGroup) -> bool:
    """True when writing the group would change nothing."""
    current = audit.snapshot(household)
    for name, value in group.household.items():
        if name == "region":
            if value != household.region_id:
                return False
        elif value is not None and not _equal(current.get(name), value):
            return False
    members = {m.id_number: audit.snapshot(m) for m in household.active_members}
    if {m.get("id_number", "").upper() for m in group.members} != set(members):
        return False
    for m in group.members:
        mine = members[m["id_number"].upper()]
        if any(not _equal(mine.get(k), v) for k, v in m.items() if k != "id_number"):
            return False
    years = {record.year: record for record in household.years.all()}
    for y in group.years:
        record = years.get(y.get("year"))
        if record is None:
            return False
        snap = audit.snapshot(record)
        if any(not _equal(snap.get(k), v) for k, v in y.items() if k in snap and k != "household_size"):
            return False
    return True


def _update(user, household: Household, group: HouseholdGroup) -> Household:
    ids = dict(household.members.filter(is_active=True).values_list("id_number", "id"))
    members = []
    for m in group.members:
        member = dict(m)
        if member.get("id_number", "").upper() in ids:
            member["id"] = ids[member["id_number"].upper()]
        members.append(member)
    return registry.household_update(
        user=user,
        household=household,
        data=group.household,
        members=members,
        years=group.years,
        tallies=False,
    )


def _payload(group: HouseholdGroup) -> dict:
    household = {**group.household, "number": group.number} if group.number else group.household
    return {"household": household, "members": group.members, "years": group.years}


def _register_batch(user, groups: list[HouseholdGroup], *, keep_going: bool) -> int:
    """Register new households; with ``keep_going`` drop the failing ones and write the rest. Returns created."""
    while groups:
        try:
            with transaction.atomic():
                registry.households_register(user=user, items=[_payload(g) for g in groups])
            return len(groups)
        except ValidationError as exc:
            failing = {int(k.split(".", 1)[0]) for k in exc.message_dict if k.split(".", 1)[0].isdigit()}
            for i in failing:
                _attach(groups[i], exc, prefix=f"{i}.")
            if not keep_going or not failing:
                if not failing:
                    for g in groups:
                        _attach(g, exc)
                return 0
            groups = [g for i, g in enumerate(groups) if i not in failing]
    return 0


def _import_chunk(user, chunk: list[HouseholdGroup], result: ImportResult, *, keep_going: bool) -> None:
    result.persons += sum(len(g.members) for g in chunk)
    new: list[HouseholdGroup] = []
    known = _existing(user, [g for g in chunk if not g.errors])
    villages: set[str] = set()  # of updated households: recounted once for the chunk, not once per household
    for group in chunk:
        if group.errors:
            continue
        existing = known.get(group.key)
        if existing is None:
            new.append(group)
        elif _same(existing, group):
            result.unchanged += 1
        else:
            try:
                with transaction.atomic():
                    villages |= {existing.region_id, _update(user, existing, group).region_id}
                result.updated += 1
            except ValidationError as exc:
                _attach(group, exc)
    if villages:
        registry.refresh_tallies(villages)
    result.created += _register_batch(user, new, keep_going=keep_going)


def _open_flat(path: Path):
    """(sheet, header, column index, row batches, data rows) of a one-row-per-person file; None for the
    two-sheet layout (read by the row path). Headers are checked here, before anything is imported."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        info = csv_info(path)
        if info.simple:
            with path.open(encoding=info.encoding, newline="") as fh:
                header = next(csv.reader(fh), None)
        else:
            rows = read_tables(path).rows["CSV"]
            header = next(rows, None)
        if header is None:
            raise FileRejected("「CSV」是空表。")
        index = index_headers("CSV", header, FLAT_COLUMNS)
        batches = (
            columnar.arrow_csv_batches(path, info, index, len(header))
            if info.simple
            else columnar.row_batches(rows, index)
        )
        return "CSV", header, index, batches, max(info.lines - 1, 0)
    sheets = read_tables(path)
    if HOUSEHOLD_SHEET in sheets.rows and MEMBER_SHEET in sheets.rows:
        return None
    sheet, rows = next(iter(sheets.rows.items()))
    header = next(rows, None)
    if header is None:
        raise FileRejected(f"「{sheet}」是空表。")
    index = index_headers(sheet, header, FLAT_COLUMNS)
    return sheet, header, index, columnar.row_batches(rows, index), sheets.sizes.get(sheet, 0)


@dataclasses.dataclass
class _Writer:
    """Writes checked households set-based for one import (``_import_columns``).

    Optimistic: a household already registered (an update, or a person active elsewhere) breaks a unique
    index — ``member_one_active_household`` or the 户编号's — so a batch is first written without looking
    for them; only when the database refuses it are they looked up and left to the row path, and from then
    on every batch is looked up first (a file that holds updates likely holds more). A new file, the bulk
    of a year's load, is never looked up: the index probes the write makes anyway are the check.
    """

    user: object
    job: ImportJob
    look_first: bool = False
    villages: set[str] = dataclasses.field(default_factory=set)  # tallies to recount at the end
    tops: dict[str, int] = dataclasses.field(default_factory=dict)  # each village's highest 户编号 so far

    def insert(self, checked: columnar.Checked, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write the households of ``runs``; returns the runs written. The others are left to the row path:
        those already registered, or — when another import raced this one — all of them."""
        same = np.array([], dtype=np.int64)
        for attempt in range(2):
            if self.look_first or attempt:
                registered = columnar.registered_elsewhere(checked, runs)
                same = columnar.unchanged(checked, registered, self.user)
                runs = np.setdiff1d(runs, registered.runs)
            if not len(runs):
                return runs, same
            try:
                with transaction.atomic():
                    households, members, years = columnar.new_households(checked, runs)
                    bulk.households_insert(user=self.user, households=households, members=members, years=years,
                                           origin=columnar.origins(checked, runs, self.job), tallies=False,
                                           tops=self.tops)  # fmt: skip
                self.villages.update(households.column("region_id").to_pylist())
                return runs, same
            except IntegrityError:
                self.look_first = True
                self.tops.clear()  # the numbering may be what broke: read it again
        return np.array([], dtype=np.int64), same

    def numbered_elsewhere(self) -> None:
        """Households were numbered by another path (the row path): read the villages' numbers again."""
        self.tops.clear()

    def finish(self) -> None:
        """Recount the tallies of the villages written to (once, not per batch: a recount reads the village)."""
        registry.refresh_tallies(self.villages)
        self.villages = set()


def _import_columns(
    user, opened, result: ImportResult, *, job, batch: int, keep_going: bool, progress
) -> None:
    """The fast path over a one-row-per-person file (see ``columnar``), ``batch`` households per transaction."""
    sheet, _header, index, batches, total = opened
    checker = columnar.ColumnChecker(user, registry_status.history_load())
    writer = _Writer(user, job)
    done = 0
    # The next batch is read, cut and checked while this one is written (none of it touches the database).
    checked_batches = map(checker.check, columnar.household_batches(batches))
    for checked in read_ahead(checked_batches):
        checker.judge_regions(checked)
        rows = checked.batch
        sizes = np.diff(np.r_[checked.starts, len(rows)])
        for lo in range(0, len(checked.starts), batch):
            runs = np.arange(lo, min(lo + batch, len(checked.starts)))
            good = runs[checked.ok[runs]]
            with transaction.atomic():
                written, same = writer.insert(checked, good) if len(good) else (good, good)
                groups = columnar.slow_groups(
                    checked, np.setdiff1d(runs, np.union1d(written, same)), index, sheet
                )
                created = result.created
                _import_chunk(user, groups, result, keep_going=keep_going)
                if result.created > created:
                    writer.numbered_elsewhere()
                if keep_going:  # each batch commits whole, tallies included
                    writer.finish()
            result.created += len(written)
            result.persons += int(sizes[written].sum()) + int(sizes[same].sum())
            result.unchanged += len(same)
            result.households += len(runs)
            result.failed_groups += [g for g in groups if g.errors]
            reset_queries()
            done += int(sizes[runs].sum())
            if progress:
                progress(min(done, total) if total else done, total or done)
    writer.finish()  # all-or-nothing: inside the file's transaction


def _import_rows(user, parsed: ParsedFile, result: ImportResult, *, batch: int, keep_going: bool, progress):
    """The row path over a parsed file (the two-sheet layout)."""
    done = 0
    for chunk in itertools.batched(parsed.groups, batch):
        with transaction.atomic():
            _import_chunk(user, list(chunk), result, keep_going=keep_going)
        result.households += len(chunk)
        result.failed_groups += [g for g in chunk if g.errors]  # the rest is let go
        reset_queries()  # with DEBUG on, Django would keep the last 9,000 (huge bulk) statements
        done += sum(len(g.members) for g in chunk)  # progress in persons: known before parsing
        if progress:
            progress(min(done, parsed.persons) if parsed.persons else done, parsed.persons or done)


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
) -> ImportResult:
    """Import ``path``; see the module docstring for the two modes. Raises FileRejected for unreadable files.

    ``job`` is the upload's record; without one (a command, a script) the file is stored as a new job, since
    the audit entries of the households it registers refer to its rows. The outcome is recorded on the job.
    One-row-per-person files take the column path (``columnar``) unless ``columns`` is False; both give the
    same result — a test holds them to it.

    ``history_year`` (or the job's) makes it a historical load (历史数据载入, national and provincial
    administrators): statuses and 脱贫年度 are taken as they stood at the end of that year and written as status
    history (``registry.status``); otherwise a status other than 未识别 is refused by row.
    """
    if mode not in {"all", "valid"}:
        raise ValueError(mode)
    permissions.require(user, "change", what=_("导入数据"))
    if history_year is None and job is not None:
        history_year = job.history_year
    if history_year is not None:
        registry_status.check_history(user, history_year)
    check_size(path)
    job = job or ImportJob.for_file(user=user, path=path, mode=mode, history_year=history_year)
    load = (
        registry_status.loading_history(user, as_of=history_year, reference=f"导入任务 #{job.pk}")
        if history_year is not None
        else nullcontext()
    )
    try:
        # a command's import beats too: hosts elsewhere see it alive
        with jobs.heartbeat(ImportJob, job.pk), load:
            result = _import(user, path, job, mode=mode, batch=batch, progress=progress, columns=columns)
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
    return result


def attach_error_report(result: ImportResult, path: Path) -> int:
    """Write the error report to ``path`` and keep a copy on the import's job (its page offers it); returns
    the number of rows."""
    rows = write_error_report(result, path)
    name = f"{Path(result.job.original_name).stem}-错误报告.xlsx"
    result.job.report.save(name, ContentFile(path.read_bytes()), save=True)
    return rows


def _import(user, path: Path, job: ImportJob, *, mode, batch, progress, columns) -> ImportResult:
    opened = _open_flat(path) if columns else None
    if opened is None:
        parsed = parse_tables(read_tables(path))  # headers checked here; households then stream in
    else:
        sheet, header, *_rest, total = opened
        parsed = ParsedFile("flat", {sheet: [_text(h) for h in header]}, iter(()), [], total)
    result = ImportResult(mode=mode, parsed=parsed, source=path)
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
            if opened is None:
                _import_rows(user, parsed, result, **options)
            else:
                _import_columns(user, opened, result, job=job, **options)
            if result.households == 0 and not parsed.loose_rows:
                raise FileRejected(gettext_noop("文件中没有数据行。"))
            result.failed = len(result.failed_groups)
            if not keep_going and not result.ok:
                raise ImportAborted
    except ImportAborted:
        result.created = result.updated = 0
    return result


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
