"""Cells of the spreadsheets and CSV files we write: text from users never becomes a formula.

A name, reason or address typed as ``=HYPERLINK(...)``, ``+cmd|...`` or ``@SUM(...)`` would run when a county
official opens the export in Excel or WPS (CSV injection). CSV cells starting with one of ``FORMULA_START``
get a leading apostrophe, as OWASP recommends; .xlsx text cells are written as strings with Excel's quote
prefix, so they keep their exact value and still never turn into a formula when edited. The importer drops
that apostrophe again (``unguard``), so an export still imports as it is.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def guard(value: object) -> object:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def unguard(text: str) -> str:
    """Undo ``guard`` on a cell read back from a file."""
    return text[1:] if text.startswith("'") and is_formula_like(text[1:]) else text


def write_text(sheet, row: int, col: int, value: str, quoted_format, cell_format=None) -> None:
    """An xlsxwriter text cell; formula-like text with the quote prefix (``quoted_format``)."""
    sheet.write_string(row, col, value, quoted_format if is_formula_like(value) else cell_format)
