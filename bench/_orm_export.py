"""The BASELINE of bench/export_bench.py: the row-at-a-time ORM export as it was before issue 23 made exports
column-wise (households read in keyset chunks, one Python call per cell). Kept only to be measured against;
the application uses ``jingzhun.imports.export``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.db.models import OuterRef, Prefetch, Subquery

from jingzhun.core import masking
from jingzhun.core.cells import write_text
from jingzhun.core.csvexport import csv_lines
from jingzhun.core.masking import FIELD_KINDS
from jingzhun.core.pagination import keyset_page
from jingzhun.imports.layout import (
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    Column,
    cell_value,
)
from jingzhun.registry.choices import Relationship
from jingzhun.registry.models import Household, HouseholdYear, Member

CHUNK = 500


def households_in_chunks(queryset, *, year: int | None = None) -> Iterator[list[Household]]:
    """Households with their active members and the chosen year (or their latest), CHUNK at a time. Only that
    one yearly record is read per household (an index probe on (household, year)), not all of its years: a
    household of the demo has thirteen, and reading them all was most of an export's time."""
    qs = queryset.select_related("region").prefetch_related(
        Prefetch("members", queryset=Member.objects.filter(is_active=True).order_by("id"))
    )
    after = None
    while True:
        page = keyset_page(qs, after=after, size=CHUNK)
        records = HouseholdYear.objects.filter(household_id__in=[h.pk for h in page.items])
        if year:
            records = records.filter(year=year)
        else:
            latest = HouseholdYear.objects.filter(household=OuterRef("household")).order_by("-year")
            records = records.filter(year=Subquery(latest.values("year")[:1]))
        chosen = {r.household_id: r for r in records}
        for h in page.items:
            h.export_year = chosen.get(h.pk)
        yield page.items
        if not page.next_cursor:
            return
        after = page.next_cursor


def _source(column: Column, h: Household, member: Member | None):
    if column.key == "household.head_id_number":
        head = next((m for m in h.members.all() if m.relationship == Relationship.HEAD), None)
        return head.id_number if head else ""
    if column.part == "household":
        return h.region_id if column.name == "region" else getattr(h, column.name)
    if column.part == "year":
        return getattr(h.export_year, column.name) if h.export_year else None
    return getattr(member, column.name) if member is not None else None


def row(columns: tuple[Column, ...], h: Household, member: Member | None, *, mask: bool) -> list:
    values = []
    for column in columns:
        value = _source(column, h, member)
        kind = FIELD_KINDS.get(column.name)
        values.append(
            masking.mask(kind, cell_value(column, value)) if mask and kind else cell_value(column, value)
        )
    return values


def flat_rows(queryset, *, mask: bool, year: int | None = None) -> Iterator[list]:
    for chunk in households_in_chunks(queryset, year=year):
        for h in chunk:
            for m in h.members.all():
                yield row(FLAT_COLUMNS, h, m, mask=mask)


def csv_chunks(queryset, *, mask: bool, year: int | None = None) -> Iterator[str]:
    """CSV text pieces (UTF-8 with BOM so that Excel reads the Chinese headers)."""
    return csv_lines([c.header for c in FLAT_COLUMNS], flat_rows(queryset, mask=mask, year=year))


def write_csv(path: Path, queryset, *, mask: bool, year: int | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        for piece in csv_chunks(queryset, mask=mask, year=year):
            fh.write(piece)
            count += 1
    return count - 1


def write_xlsx(path: Path, queryset, *, mask: bool, year: int | None = None) -> tuple[int, int]:
    """Two sheets in constant-memory mode; returns (households, persons)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    quoted = book.add_format({"quote_prefix": True})
    sheets = {}
    for name, columns in ((HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS), (MEMBER_SHEET, MEMBER_COLUMNS)):
        sheet = book.add_worksheet(name)
        for i, column in enumerate(columns):
            sheet.set_column(i, i, column.width)
        sheet.write_row(0, 0, [c.header for c in columns], header)
        sheet.freeze_panes(1, 2)
        sheets[name] = [sheet, 1]
    households = persons = 0
    for chunk in households_in_chunks(queryset, year=year):
        for h in chunk:
            sheet, r = sheets[HOUSEHOLD_SHEET]
            _write_cells(sheet, r, row(HOUSEHOLD_COLUMNS, h, None, mask=mask), quoted)
            sheets[HOUSEHOLD_SHEET][1] += 1
            households += 1
            for m in h.members.all():
                sheet, r = sheets[MEMBER_SHEET]
                _write_cells(sheet, r, row(MEMBER_COLUMNS, h, m, mask=mask), quoted)
                sheets[MEMBER_SHEET][1] += 1
                persons += 1
    book.close()
    return households, persons


def _write_cells(sheet, r: int, values: list, quoted) -> None:
    for c, value in enumerate(values):
        if isinstance(value, str):
            write_text(sheet, r, c, value, quoted)  # IDs and codes stay text, never 5.22634e17
        elif value is not None:
            sheet.write_number(r, c, value)


def write_parquet(path: Path, queryset, *, mask: bool, year: int | None = None, batch: int = 10_000) -> int:
    """One row per person, every column as text (the file round-trips exactly), row groups of ``batch``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c.header, pa.string()) for c in FLAT_COLUMNS])
    count = 0
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        columns: list[list[str]] = [[] for _ in FLAT_COLUMNS]

        def flush() -> None:
            writer.write_table(
                pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], schema=schema)
            )
            for c in columns:
                c.clear()

        for values in flat_rows(queryset, mask=mask, year=year):
            for column, value in zip(columns, values, strict=True):
                column.append("" if value is None else str(value))
            count += 1
            if count % batch == 0:
                flush()
        if columns[0] or count == 0:
            flush()
    return count
