"""Reading registration spreadsheets (.xlsx two-sheet or one-sheet layout, .csv one row per person) into
household payloads for the registry services, with row-and-column error messages in Chinese."""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from jingzhun.core.cells import FORMULA_START, unguard
from jingzhun.core.ids import normalize_identifier, normalize_identifiers

from . import workbook_guard
from .errors import FileRejected
from .layout import (
    CAUSE_SEPARATOR,
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    IDENTIFIER_KEYS,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    NO,
    YES,
    Column,
)

ERROR_COLUMN = "错误原因"  # added by the error report; ignored so that a corrected report imports as it is
TRUE_WORDS = {YES, "1", "true", "True", "TRUE", "Y", "y", "有"}
FALSE_WORDS = {NO, "0", "false", "False", "FALSE", "N", "n", "无", ""}


@dataclass
class SourceRow:
    sheet: str
    number: int  # 1-based row number as the user sees it (header is row 1)
    errors: list[str] = field(default_factory=list)
    # The row's cells are not kept (they would hold the whole file in memory); the error report reads the
    # few failing rows again from the file.


@dataclass
class HouseholdGroup:
    """One household's rows and the payload built from them."""

    key: str
    rows: list[SourceRow] = field(default_factory=list)
    number: str = ""
    household: dict = field(default_factory=dict)
    members: list[dict] = field(default_factory=list)
    years: list[dict] = field(default_factory=list)
    headers: dict[str, str] | None = None  # field name → the file's header, where the layout names it its way

    @property
    def errors(self) -> list[str]:
        return [e for r in self.rows for e in r.errors]


@dataclass
class Sheets:
    """A file's sheets as row iterators, with the number of data rows in each (for progress)."""

    rows: dict[str, Iterator[list]]
    sizes: dict[str, int]


@dataclass
class ParsedFile:
    layout: str  # "two-sheet" or "flat"
    headers: dict[str, list[str]]  # sheet → header row
    groups: Iterator[HouseholdGroup]  # streamed for the flat layout: memory does not grow with the file
    loose_rows: list[SourceRow]  # rows that belong to no household (e.g. a member with an unknown key)
    persons: int  # data rows holding persons, counted before parsing (for progress)


def _text(raw) -> str:
    """A cell as text; integral floats (Excel's numbers) lose their '.0'."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return unguard(str(raw).strip())  # our own exports guard formula-like text with an apostrophe


def _cell(column: Column, raw, row: SourceRow):
    """Convert one cell; on a bad value note the error on the row and return None."""
    where = f"第 {row.number} 行「{column.header}」"
    if column.key in {"member.id_number", "household.head_id_number"} and isinstance(raw, float):
        row.errors.append(
            f"{where}：身份证号被表格软件存成了数字（{raw:.6g}），末尾数字已丢失；请将该列设为文本格式后重新填写"
        )
        return None
    text = normalize_identifier(_text(raw)) if column.key in IDENTIFIER_KEYS else _text(raw)
    if column.key in {"member.id_number", "household.head_id_number"} and "*" in text:
        row.errors.append(
            f"{where}：这是脱敏导出的文件（身份证号含 *），请导出“含完整身份证号”的文件后再修改导入"
        )
        return None
    if column.kind == "computed":
        return None
    if text == "":
        if column.required:
            row.errors.append(f"{where}：必填")
        return [] if column.kind == "causes" else (False if column.kind == "bool" else None)
    if column.kind == "text":
        return text
    if column.kind == "int":
        try:
            return int(Decimal(text))
        except (InvalidOperation, ValueError):
            row.errors.append(f"{where}：应为整数，收到“{text}”")
            return None
    if column.kind == "decimal":
        try:
            return Decimal(text)
        except InvalidOperation:
            row.errors.append(f"{where}：应为数字，收到“{text}”")
            return None
    if column.kind == "bool":
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        row.errors.append(f"{where}：应填写“是”或“否”，收到“{text}”")
        return None
    lookup = {label: code for code, label in column.choices} | {code: code for code, _ in column.choices}
    if column.kind == "causes":
        parts = [
            p.strip()
            for p in text.replace(",", CAUSE_SEPARATOR).replace("，", CAUSE_SEPARATOR).split(CAUSE_SEPARATOR)
            if p.strip()
        ]
        unknown = [p for p in parts if p not in lookup]
        if unknown:
            row.errors.append(f"{where}：无法识别“{'、'.join(unknown)}”")
        return [lookup[p] for p in parts if p in lookup]
    if text not in lookup:
        options = "、".join(label for _, label in column.choices[:12])
        row.errors.append(f"{where}：无法识别“{text}”，可选：{options}")
        return None
    return lookup[text]


NATIONAL_HINT = {"户编号", "证件号码", "与户主关系", "人口编号"}  # a national member file's (``national``)


def index_headers(sheet: str, header: list, columns: tuple[Column, ...]) -> dict[int, Column]:
    by_header = {c.header: c for c in columns}
    seen = [_text(h) for h in header]
    if set(seen) >= NATIONAL_HINT or {"户主证件号码", "家庭人口数", "村"} <= set(seen):
        raise FileRejected(
            f"「{sheet}」是全国扶贫开发信息系统导出的文件：请选择“国家系统导出”格式，同时上传户信息文件和人员信息文件。"
        )
    unknown = [h for h in seen if h and h not in by_header and h != ERROR_COLUMN]
    missing = [c.header for c in columns if c.required and c.header not in seen]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"缺少必填列：{'、'.join(missing)}")
        if unknown:
            parts.append(f"无法识别的列：{'、'.join(unknown[:10])}")
        raise FileRejected(
            f"「{sheet}」表头与模板不符（{'；'.join(parts)}）。请使用系统下载的模板，不要修改表头。"
        )
    return {i: by_header[h] for i, h in enumerate(seen) if h in by_header}


def parse_row(sheet: str, number: int, raw: list, index: dict[int, Column]) -> tuple[SourceRow, dict] | None:
    """(SourceRow, values by column key) of one data row; None for an empty row (allowed anywhere)."""
    if not any(_text(v) for v in raw):
        return None
    row = SourceRow(sheet=sheet, number=number)
    values = {}
    for i, column in index.items():
        values[column.key] = _cell(column, raw[i] if i < len(raw) else None, row)
    return row, values


def _rows(sheet: str, rows: Iterator[list], columns: tuple[Column, ...], headers: dict[str, list[str]]):
    """Parsed non-empty data rows; rows are consumed as they stream in."""
    header = next(rows, None)
    if header is None:
        raise FileRejected(f"「{sheet}」是空表。")
    headers[sheet] = [_text(h) for h in header]
    index = index_headers(sheet, header, columns)
    for n, raw in enumerate(rows, start=2):
        parsed = parse_row(sheet, n, raw, index)
        if parsed is not None:
            yield parsed


def household_key(values: dict, row: SourceRow) -> str:
    number = values.get("household.number") or ""
    head = values.get("household.head_id_number") or ""  # normalised by ``_cell``
    if not number and not head:
        row.errors.append(f"第 {row.number} 行：「户编号」和「户主公民身份号码」至少填一项，用于确定所属家庭")
        return f"row:{row.sheet}:{row.number}"
    return f"no:{number}" if number else f"head:{head}"


def _split(values: dict) -> tuple[dict, dict, dict]:
    parts: dict[str, dict] = {"household": {}, "member": {}, "year": {}}
    for key, value in values.items():
        part, name = key.split(".", 1)
        if value is not None:
            parts[part][name] = value
    return parts["household"], parts["member"], parts["year"]


def _group(groups: dict[str, HouseholdGroup], key: str) -> HouseholdGroup:
    return groups.setdefault(key, HouseholdGroup(key=key))


NOT_CONTIGUOUS = "第 {n} 行：同一户的成员行应连续排列（这一户在前面已经出现过）"


def add_flat_row(group: HouseholdGroup, row: SourceRow, values: dict) -> None:
    """Add one row of the one-row-per-person layout to its household (whose columns come from its first row)."""
    household, member, year = _split(values)
    group.rows.append(row)
    group.number = household.pop("number", "")
    household.pop("head_id_number", None)
    if not group.household:
        group.household = household
        group.years = [year] if year.get("year") else []
    group.members.append(member)


def _flat_groups(rows: Iterator[tuple[SourceRow, dict]]) -> Iterator[HouseholdGroup]:
    """Consecutive rows with the same household key form one household, yielded as soon as it is complete."""
    finished: set[str] = set()
    current: HouseholdGroup | None = None
    for row, values in rows:
        key = household_key(values, row)
        if current is None or key != current.key:
            if current is not None:
                finished.add(current.key)
                yield current
            current = HouseholdGroup(key=key)
            if key in finished:
                row.errors.append(NOT_CONTIGUOUS.format(n=row.number))
        add_flat_row(current, row, values)
    if current is not None:
        yield current


def parse_tables(sheets: Sheets) -> ParsedFile:
    """Household groups from the sheets' rows. Headers are checked before anything is returned."""
    tables = sheets.rows
    headers: dict[str, list[str]] = {}
    loose: list[SourceRow] = []
    if HOUSEHOLD_SHEET in tables and MEMBER_SHEET in tables:
        # Members may stand anywhere in their sheet, so the households are gathered first.
        groups: dict[str, HouseholdGroup] = {}
        for row, values in _rows(HOUSEHOLD_SHEET, iter(tables[HOUSEHOLD_SHEET]), HOUSEHOLD_COLUMNS, headers):
            group = _group(groups, household_key(values, row))
            if group.household:
                row.errors.append(f"第 {row.number} 行：同一户在「{HOUSEHOLD_SHEET}」表中出现了多次")
            household, _member, year = _split(values)
            group.rows.append(row)
            group.number = household.pop("number", "")
            household.pop("head_id_number", None)
            group.household = household
            group.years = [year] if year.get("year") else []
        for row, values in _rows(MEMBER_SHEET, iter(tables[MEMBER_SHEET]), MEMBER_COLUMNS, headers):
            key = household_key(values, row)
            if key not in groups:
                row.errors.append(f"第 {row.number} 行：在「{HOUSEHOLD_SHEET}」表中找不到这名成员所属的户")
                loose.append(row)
                continue
            _household, member, _year = _split(values)
            groups[key].rows.append(row)
            groups[key].members.append(member)
        return ParsedFile(
            "two-sheet", headers, iter(groups.values()), loose, sheets.sizes.get(MEMBER_SHEET, 0)
        )
    sheet, table = next(iter(tables.items()))
    rows = _rows(sheet, iter(table), FLAT_COLUMNS, headers)
    first = next(rows, None)  # reads and checks the header row now, before any household is imported
    stream = _flat_groups(itertools.chain([first], rows) if first else iter(()))
    return ParsedFile("flat", headers, stream, loose, sheets.sizes.get(sheet, 0))


@dataclass
class CsvInfo:
    encoding: str
    lines: int
    # No quotes, no blank lines, the same number of commas on every line: then line n is row n, and the
    # columnar reader (which counts lines) numbers rows exactly as the row reader does.
    simple: bool


def csv_info(path: Path) -> CsvInfo:
    """UTF-8 (with or without BOM) or GB18030, checked over the whole file in 1 MiB pieces; its shape."""
    import codecs

    for encoding in ("utf-8-sig", "gb18030"):
        decoder, lines, commas, simple, tail = codecs.getincrementaldecoder(encoding)(), 0, set(), True, ""
        try:
            with path.open("rb") as fh:
                for piece in iter(lambda: fh.read(1 << 20), b""):
                    text = decoder.decode(piece)
                    if "\x00" in text:
                        raise FileRejected("文件不是文本格式的 CSV。")
                    lines += text.count("\n")
                    if simple:
                        *complete, tail = (tail + text).split("\n")
                        # CRLF line ends are fine; a blank line or a lone CR is not
                        simple = '"' not in text and all(
                            ln.rstrip("\r") and "\r" not in ln[:-1] for ln in complete
                        )
                        commas.update(line.count(",") for line in complete)
                        simple = simple and len(commas) <= 1
                decoder.decode(b"", final=True)
            simple = simple and (not tail or {tail.count(",")} >= commas)
            return CsvInfo(encoding, lines, simple)
        except UnicodeDecodeError:
            continue
    raise FileRejected("CSV 文件编码无法识别，请另存为 UTF-8 编码。")


def _csv_rows(path: Path, encoding: str) -> Iterator[list]:
    """The CSV's rows read from disk as they are needed (the file is never held in memory)."""
    with path.open(encoding=encoding, newline="") as fh:
        yield from csv.reader(fh)


def read_tables(path: Path) -> Sheets:
    """Row iterators of the sheets of an .xlsx/.xls/.ods file, or of the one table of a .csv file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        info = csv_info(path)
        return Sheets({"CSV": _csv_rows(path, info.encoding)}, {"CSV": max(info.lines - 1, 0)})
    if suffix not in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise FileRejected(f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 .xlsx 或 .csv 文件。")
    from python_calamine import CalamineWorkbook

    if suffix != ".xls":  # .xlsx, .xlsm and .ods are zip packages: judged before any parser sees them
        workbook_guard.check_package(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise FileRejected(f"无法读取该文件，它不是有效的电子表格（{type(exc).__name__}）。") from exc
    wanted = [n for n in book.sheet_names if n in {HOUSEHOLD_SHEET, MEMBER_SHEET}]
    names = wanted or [n for n in book.sheet_names if n not in {"填表说明", "代码表"}][:1]
    if not names:
        raise FileRejected("文件中没有数据表。")
    tables, sizes = {}, {}
    for name in names:
        sheet = book.get_sheet_by_name(name)
        if sheet.merged_cell_ranges:
            raise FileRejected(f"「{name}」含有合并单元格，请取消合并后再导入。")
        tables[name] = sheet.iter_rows()
        sizes[name] = max(sheet.height - 1, 0)
    return Sheets(tables, sizes)


# --- the column path's input: row batches as columns of text ---------------------------------------------------


@dataclass
class FlatSource:
    """A one-row-per-person file opened for the column path: its header, the columns found in it, and its
    data rows as ``Batch``es (read lazily), with their number (for progress)."""

    sheet: str
    header: list
    index: dict[int, Column]
    batches: Iterator[Batch]
    total: int
    columns: tuple[Column, ...] = FLAT_COLUMNS  # what the column checks read (a layout may name them its way)


ROWS_PER_BATCH = 20_000
ID_KEYS = ("member.id_number", "household.head_id_number")
TEXT_KEYS = frozenset(c.key for c in FLAT_COLUMNS if c.kind == "text")
UNGUARD = "^'([" + re.escape("".join(FORMULA_START)) + "])"


@dataclass
class Batch:
    """Consecutive data rows of the file: their row numbers and their cells as columns of text."""

    numbers: np.ndarray  # row numbers as the user sees them (the header is row 1)
    cells: dict[str, pa.Array]  # column key → trimmed text, null where the cell is empty
    raw: list[list] | None = None  # the rows as read (spreadsheet cells keep their types), if read row by row
    suspect: np.ndarray | None = None  # rows only the row path can judge (an ID stored as a number)

    def __len__(self) -> int:
        return len(self.numbers)

    def take(self, rows: np.ndarray) -> Batch:
        index = pa.array(rows, pa.int64())
        return Batch(
            self.numbers[rows],
            {k: v.take(index) for k, v in self.cells.items()},
            [self.raw[i] for i in rows] if self.raw is not None else None,
            self.suspect[rows] if self.suspect is not None else None,
        )

    def concat(self, other: Batch) -> Batch:
        both = self.raw is not None and other.raw is not None
        return Batch(
            np.concatenate([self.numbers, other.numbers]),
            {k: pa.concat_arrays([v, other.cells[k]]) for k, v in self.cells.items()},
            self.raw + other.raw if both else None,
            np.concatenate([self._suspect(), other._suspect()]),
        )

    def _suspect(self) -> np.ndarray:
        return self.suspect if self.suspect is not None else np.zeros(len(self), bool)

    def raw_row(self, i: int, index: dict[int, Column]) -> list:
        if self.raw is not None:
            return self.raw[i]
        width = max(index) + 1
        row = [""] * width
        for position, column in index.items():
            value = self.cells[column.key][i].as_py()
            row[position] = "" if value is None else value
        return row


def _normalise(column: pa.Array, key: str) -> pa.Array:
    """A column's cells as the row path reads them: trimmed, empty as null, identifiers normalised."""
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    if key in TEXT_KEYS:  # ``core.cells.unguard``: our exports guard formula-like text with an apostrophe
        text = pc.replace_substring_regex(text, UNGUARD, r"\1")
    if key in IDENTIFIER_KEYS:
        text = normalize_identifiers(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def arrow_csv_batches(path: Path, info: CsvInfo, index: dict[int, Column], width: int) -> Iterator[Batch]:
    """Batches of a simple CSV file (see ``CsvInfo.simple``) parsed by Arrow's multi-threaded reader."""
    names = [f"c{i}" for i in range(width)]
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            encoding="utf8" if info.encoding == "utf-8-sig" else info.encoding,
            column_names=names,
            skip_rows=1,
            block_size=8 << 20,
        ),
        parse_options=pa_csv.ParseOptions(newlines_in_values=False),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    first = 2
    for record_batch in reader:
        n = record_batch.num_rows
        cells = {c.key: _normalise(record_batch.column(i), c.key) for i, c in index.items()}
        yield Batch(np.arange(first, first + n), cells)
        first += n


def row_batches(rows: Iterator[list], index: dict[int, Column]) -> Iterator[Batch]:
    """Batches of rows read one by one (spreadsheets, CSV files with quotes or blank lines)."""
    chunk: list[list] = []
    numbers: list[int] = []
    for n, raw in enumerate(rows, start=2):
        chunk.append(raw)
        numbers.append(n)
        if len(chunk) == ROWS_PER_BATCH:
            yield _batch_of_rows(chunk, numbers, index)
            chunk, numbers = [], []
    if chunk:
        yield _batch_of_rows(chunk, numbers, index)


def _batch_of_rows(rows: list[list], numbers: list[int], index: dict[int, Column]) -> Batch:
    cells, suspect = {}, np.zeros(len(rows), bool)
    for i, column in index.items():
        values = [r[i] if i < len(r) else None for r in rows]
        if column.key in ID_KEYS:
            suspect |= np.fromiter((isinstance(v, float) for v in values), bool, len(values))
        cells[column.key] = _normalise(pa.array([_text(v) for v in values], pa.string()), column.key)
    return Batch(np.array(numbers, dtype=np.int64), cells, rows, suspect)


def open_flat(path: Path) -> FlatSource | None:
    """A one-row-per-person file opened for the column path; None for the two-sheet layout (read by the row
    path). Headers are checked here, before anything is imported."""
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
            arrow_csv_batches(path, info, index, len(header)) if info.simple else row_batches(rows, index)
        )
        return FlatSource("CSV", header, index, batches, max(info.lines - 1, 0))
    sheets = read_tables(path)
    if HOUSEHOLD_SHEET in sheets.rows and MEMBER_SHEET in sheets.rows:
        return None
    sheet, rows = next(iter(sheets.rows.items()))
    header = next(rows, None)
    if header is None:
        raise FileRejected(f"「{sheet}」是空表。")
    index = index_headers(sheet, header, FLAT_COLUMNS)
    return FlatSource(sheet, header, index, row_batches(rows, index), sheets.sizes.get(sheet, 0))
