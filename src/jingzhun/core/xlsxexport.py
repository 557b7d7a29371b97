"""Small Excel downloads (tables of a page: a dashboard's rows, a register): built in memory with xlsxwriter,
text cells stay text (codes and ID numbers never become numbers)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse

from .cells import write_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """An .xlsx with one sheet per (title, header, rows); numbers as numbers, everything else as text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#EEF2F6", "border": 1})
    quoted = book.add_format({"quote_prefix": True})
    for title, header, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 0)
        widths = [max(8, len(str(h)) * 2 + 2) for h in header]
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    write_text(sheet, r, c, "" if value is None else str(value), quoted)
                    widths[c] = min(60, max(widths[c], len(str(value or "")) + 4))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
    book.close()
    return buffer.getvalue()


def xlsx_download(name: str, sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> HttpResponse:
    """An attachment ``name``.xlsx (``name`` may be Chinese)."""
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response
