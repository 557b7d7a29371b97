"""Households in the national system's layouts (户年度基础信息 + 人员信息): GB18030 CSV (GBK loses rare characters
in names) in a .zip, or one .xlsx with both sheets, masked by the reader's permission. What ``national`` imports,
read back the same way: exported, imported and exported again, the files are equal cell for cell (a test holds it).

Column-wise, as ``export`` (issue 23): one query per file (``export._sql``: a row per household, then a row per
active member) read as Arrow batches, each column turned into its cells as a whole (``export.text_cells``), the
derived columns computed on the arrays, and each batch written straight into the file — the CSV into its
member of the .zip on disk — so memory is bounded by a batch and the household columns the member file repeats
(省…村, 户编号, 户主…, 年度: ``_Carried``, a dozen short texts per household). The member query reads members
alone: their household's cells are taken from the household file's by id. Python touches a value only for
masking (``masking.mask_column``), the region names (one query per export) and the bank accounts, which are
stored encrypted (each token decrypted, a batch in one call: ``crypto.decrypt_many``).

Columns the registry derives are computed (家庭人口数, 纯收入, 人均纯收入, 年收入, 转移性收入, 其他财产性收入, 性别,
出生日期; 是否危房户 from the house's grade where no file stated it); 村办公电话 is the one the file gave, and 证件类型
other than 身份证 is not held (always 身份证). The bank columns
(开户银行名称, 银行卡号) are decrypted from ``Household.bank_account``: in full for readers who see bank accounts
(finance roles, ``masking.sees_bank_accounts``), masked for others (a masked account does not re-import: the
round trip of accounts needs finance's export). 贫困户属性, 脱贫状态, 识别年度 and 脱贫年度 follow the 53 columns,
as some provinces' exports have them.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

from jingzhun.core import crypto, jobs, masking
from jingzhun.core.cells import write_text
from jingzhun.regions.models import Region
from jingzhun.registry.choices import DANGEROUS_GRADES, ExitPolicy, HouseholdStatus, Sex

from .export import NUMERIC, _amounts, _batches, text_cells
from .layout import FLAT_COLUMNS, NO, YES, Column, _choices
from .national import (
    ALIASES,
    HOUSEHOLD_HEADERS,
    HOUSEHOLD_MAP,
    HOUSEHOLD_OPTIONAL,
    HOUSEHOLD_SHEET,
    MEMBER_HEADERS,
    MEMBER_MAP,
    MEMBER_SHEET,
)

EXPORT_HOUSEHOLD_HEADERS = [*HOUSEHOLD_HEADERS, *HOUSEHOLD_OPTIONAL]
PLACE_HEADERS = ("省", "市", "县", "乡", "村")
STATUS_CODE = {HouseholdStatus.REGISTERED: "0", HouseholdStatus.EXITED: "1", HouseholdStatus.RETURNED: "3"}


def _national(column: Column) -> Column:
    """The column with the national form of its codes first where the national list is finer (schooling by
    grade, 贫困户属性 as 01–08, 危房级别): an export writes the national form, the import reads both."""
    if column.key not in ("member.schooling", "household.attribute", "year.house_grade"):
        return column
    labels: dict[str, str] = {}
    for code, label in (*ALIASES[column.key], *column.choices):
        labels.setdefault(code, label)
    return dataclasses.replace(column, choices=tuple(labels.items()))


_FLAT = {c.key: _national(c) for c in FLAT_COLUMNS}
# What the national files need beyond our own layout's columns: the head's 人口编号, sex and birth date (read,
# not derived from the ID number, so that a masked ID still gives them), the stored sums, the bank details.
_EXTRA = (
    Column("household.id", "id", "int"),
    Column("member.household", "household", "int"),
    Column("head.national_number", "户主编号"),
    Column("household.head_name", "户主姓名"),
    Column("household.member_count", "家庭人口数", "int"),
    Column("household.bank_name", "开户银行名称"),
    Column("household.bank_account", "银行卡号"),
    Column("year.transfer", "转移性收入", "decimal"),
    Column("member.sex", "性别", "choice", _choices(Sex)),
    Column("member.birth_date", "出生日期"),
)
_ALL = {**_FLAT, **{c.key: c for c in _EXTRA}}


def _read(*keys: str) -> tuple[Column, ...]:
    return tuple(_ALL[k] for k in dict.fromkeys(keys))  # in order, once each


HOUSEHOLD_READ = _read(
    "household.id", "household.phone", "household.region", "household.number", "household.exit_policy", "household.head_name",
    "head.national_number", "household.member_count", "household.bank_name", "household.bank_account",
    "year.per_capita_net", "year.net_income", "year.transfer", *HOUSEHOLD_MAP.values(),
)  # fmt: skip
# The member file's household columns (省…村, 户编号, 户主姓名, 户主证件号码, 识别标准, 年度, 户联系电话) are the
# household file's cells, kept from it (``_Carried``): its query reads the members alone.
CARRIED = (*PLACE_HEADERS, "户编号", "户主姓名", "户主证件号码", "识别标准", "年度", "户联系电话")
MEMBER_READ = _read(
    "member.household", "member.sex", "member.birth_date",
    *(key for key in MEMBER_MAP.values() if key.startswith("member.")),
)  # fmt: skip


def _trimmed(text: pa.Array) -> pa.Array:
    """Amounts as the national files write them: 1234.5, 100 (no trailing zeros), as ``Decimal`` prints. The
    amounts have two places (``export.AMOUNT``): a last 0 dropped, then a ".0" — suffix tests and slices, 3×
    the two regular expressions they replace (32 amount columns: 1.2 s of a 34,000-household file)."""
    dot = pc.match_substring(text, ".")
    text = pc.if_else(pc.and_(dot, pc.ends_with(text, "0")), pc.utf8_slice_codeunits(text, 0, -1), text)
    return pc.if_else(pc.and_(dot, pc.ends_with(text, ".0")), pc.utf8_slice_codeunits(text, 0, -2), text)


def _cells(column: Column, array: pa.Array, *, mask: bool, guard: bool) -> pa.Array:
    """The column's cells as text ("" when empty), masked where it holds personal data and ``mask``; for the
    CSV (``guard``), formula-like text with the apostrophe of ``core.cells`` (the workbook's text cells are
    strings with Excel's quote prefix instead), which the import takes off again."""
    text = text_cells(column, array, mask=mask, guard=guard)
    return _trimmed(text) if column.kind in NUMERIC and column.kind != "int" else text


def _lookup(array: pa.Array, table: dict[str, str]) -> pa.Array:
    """Codes to the words of ``table``, "" for any other code (or none)."""
    codes = pc.fill_null(array.cast(pa.string()), "")
    found = pc.index_in(codes, value_set=pa.array(list(table), pa.string()))
    return pc.fill_null(pc.take(pa.array(list(table.values()), pa.string()), found), "")


def _region_names(codes: set[str]) -> dict[str, str]:
    """Code → name of the regions of ``codes``. On PostgreSQL the codes go as one array: as an IN list of a
    province's 20,000 villages and their parents, psycopg spends longer splitting the query than the server
    answering it."""
    if connection.vendor != "postgresql":
        return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    qn, meta = connection.ops.quote_name, Region._meta
    code, name = (qn(meta.get_field(f).column) for f in ("code", "name"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {code}, {name} FROM {qn(meta.db_table)} WHERE {code} = ANY(%s)", [sorted(codes)]
        )
        return dict(cursor.fetchall())


class _Places:
    """省 市 县 乡 村 of the exported villages by name, each region read once per export."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def columns(self, villages: pa.Array) -> list[pa.Array]:
        encoded = pc.dictionary_encode(villages.cast(pa.string()))
        codes = [c or "" for c in encoded.dictionary.to_pylist()]
        wanted = [[c[:2] + "0" * 10, c[:4] + "0" * 8, c[:6] + "0" * 6, c[:9] + "000", c] for c in codes]
        missing = {w for row in wanted for w in row if w not in self.names}
        if missing:
            self.names.update(_region_names(missing))
        return [
            pc.take(
                pa.array([self.names.get(row[level], "") for row in wanted], pa.string()), encoded.indices
            )
            for level in range(5)
        ]


def _accounts(tokens: pa.Array, *, in_full: bool) -> pa.Array:
    """The encrypted account numbers in plain text, masked (last four digits) unless ``in_full``: every token
    is decrypted (a token differs on every write, so no two are alike), all of a batch at once."""
    numbers = pa.array(crypto.decrypt_many(tokens.to_pylist()), pa.string())
    return numbers if in_full else masking.mask_column(masking.BANK, numbers)


class _Carried:
    """The household file's cells that the member file repeats on each member's row, by household id: read and
    derived once per household rather than once per member (the member query joins nothing)."""

    def __init__(self) -> None:
        self.ids: list[np.ndarray] = []
        self.parts: dict[str, list[pa.Array]] = {header: [] for header in CARRIED}

    def add(self, ids: pa.Array, cells: dict[str, pa.Array]) -> None:
        self.ids.append(ids.cast(pa.int64()).to_numpy(zero_copy_only=False))
        for header in CARRIED:
            self.parts[header].append(cells[header])

    def columns(self, household_ids: pa.Array) -> tuple[pa.Array | None, dict[str, pa.Array]]:
        """(the rows whose household the household file has, or None for all; their carried cells). The ids
        are in order (the household query's order), so a member's household is found by bisection."""
        if not isinstance(self.ids, np.ndarray):
            self.ids = np.concatenate(self.ids) if self.ids else np.zeros(0, np.int64)
            self.parts = {
                h: pa.concat_arrays(p) if p else pa.array([], pa.string()) for h, p in self.parts.items()
            }
        wanted = household_ids.cast(pa.int64()).to_numpy(zero_copy_only=False)
        at = np.searchsorted(self.ids, wanted)
        found = at < len(self.ids)
        found[found] = self.ids[at[found]] == wanted[found]
        keep = None
        if not found.all():  # a household added after its file was read: its members wait for the next export
            keep, at = pa.array(found), at[found]
        index = pa.array(at, pa.int64())
        return keep, {h: pc.take(p, index) for h, p in self.parts.items()}


def _household_columns(
    batch: pa.RecordBatch, places: _Places, carried: _Carried, *, mask: bool, bank: bool, guard: bool
) -> list[pa.Array]:
    """The household file's cells of ``batch`` (a row per household), in the order of its headers; those the
    member file repeats are kept in ``carried``."""
    raw = {c.key: batch.column(i) for i, c in enumerate(HOUSEHOLD_READ)}
    cells = {
        c.key: _cells(c, raw[c.key], mask=mask, guard=guard)
        for c in HOUSEHOLD_READ
        if c.key != "household.bank_account"
    }
    n = batch.num_rows
    out = dict(zip(PLACE_HEADERS, places.columns(raw["household.region"]), strict=True))
    out.update({header: cells[key] for header, key in HOUSEHOLD_MAP.items()})
    amount = {k: _amounts(raw[k]) for k in ("year.wage", "year.business", "year.property_income",
                                                  "year.transfer", "year.property_dividend")}  # fmt: skip
    gross = pc.add(pc.add(amount["year.wage"], amount["year.business"]),
                   pc.add(amount["year.property_income"], amount["year.transfer"]))  # fmt: skip
    grade = pc.fill_null(raw["year.house_grade"].cast(pa.string()), "")
    status = _lookup(raw["household.status"], STATUS_CODE)
    ended = pc.and_(
        pc.equal(pc.fill_null(raw["household.status"].cast(pa.string()), ""), HouseholdStatus.EXITED.value),
        pc.equal(pc.fill_null(raw["household.exit_policy"].cast(pa.string()), ""), ExitPolicy.ENDED.value),
    )
    national = cells["household.national_number"]
    out.update({
        "户编号": pc.if_else(pc.equal(national, ""), cells["household.number"], national),
        "户主编号": cells["head.national_number"],
        "户主姓名": cells["household.head_name"],
        "家庭人口数": pc.if_else(pc.equal(cells["household.member_count"], ""), "0", cells["household.member_count"]),
        # as the file stated it where it did (imported), else from the house's grade
        "是否危房户": pc.if_else(
            pc.not_equal(cells["year.dangerous_house_stated"], ""), cells["year.dangerous_house_stated"],
            pc.if_else(
                pc.equal(grade, ""), "",
                pc.if_else(pc.is_in(grade, value_set=pa.array(sorted(DANGEROUS_GRADES), pa.string())), YES, NO),
            ),
        ),
        "人均纯收入": cells["year.per_capita_net"],
        "纯收入": cells["year.net_income"],
        "转移性收入": cells["year.transfer"],
        "年收入": _trimmed(pc.fill_null(gross.cast(pa.string()), "")),
        "其他财产性收入": _trimmed(pc.fill_null(
            pc.subtract(amount["year.property_income"], amount["year.property_dividend"]).cast(pa.string()), ""
        )),
        "脱贫状态": pc.if_else(ended, "4", status),
        "开户银行名称": cells["household.bank_name"],
        "银行卡号": _accounts(raw["household.bank_account"], in_full=bank),
    })  # fmt: skip
    carried.add(raw["household.id"], {**out, "户联系电话": cells["household.phone"]})
    empty = pa.nulls(n, pa.string()).fill_null("")
    return [out.get(h, empty) for h in EXPORT_HOUSEHOLD_HEADERS]


def _member_columns(batch: pa.RecordBatch, carried: _Carried, *, mask: bool, guard: bool) -> list[pa.Array]:
    """The member file's cells of ``batch`` (a row per active member), in the order of its headers."""
    keep, out = carried.columns(batch.column(0))
    if keep is not None:
        batch = batch.filter(keep)
    raw = {c.key: batch.column(i) for i, c in enumerate(MEMBER_READ)}
    cells = {
        c.key: _cells(c, raw[c.key], mask=mask, guard=guard)
        for c in MEMBER_READ
        if c.key != "member.household"
    }
    out.update({header: cells[key] for header, key in MEMBER_MAP.items() if key in cells})
    out.update({
        "证件类型": pa.array(["身份证"] * batch.num_rows, pa.string()),
        "性别": cells["member.sex"],
        "出生日期": cells["member.birth_date"],
    })  # fmt: skip
    return [out[h] for h in MEMBER_HEADERS]


def _files(
    queryset, *, mask: bool, bank: bool, year: int | None, guard: bool
) -> Iterator[tuple[str, Iterator[list[pa.Array]]]]:
    """(sheet name, its batches of cells), the household file first; each read while it is written. ``guard``:
    the CSV's formula guard."""
    places, carried = _Places(), _Carried()

    def rows(read, per_member, cells):
        with _batches(queryset, read, per_member=per_member, year=year) as batches:
            for batch in batches:
                yield cells(batch)

    yield HOUSEHOLD_SHEET, rows(HOUSEHOLD_READ, False,
                                lambda b: _household_columns(b, places, carried, mask=mask, bank=bank,
                                                             guard=guard))  # fmt: skip
    yield MEMBER_SHEET, rows(MEMBER_READ, True, lambda b: _member_columns(b, carried, mask=mask, guard=guard))


def _headers(sheet: str) -> list[str]:
    return EXPORT_HOUSEHOLD_HEADERS if sheet == HOUSEHOLD_SHEET else MEMBER_HEADERS


def write_csv_zip(
    path: Path, queryset, *, mask: bool, bank: bool = False, year: int | None = None,
    progress: jobs.Progress | None = None, total: int = 0,
) -> tuple[int, int]:  # fmt: skip
    """A .zip holding the two GB18030 CSV files, each batch written into it as it is read (Arrow's CSV writer,
    then GB18030); returns (households, persons). ``bank``: account numbers in full."""
    counts, step = [], jobs.counting(progress, total)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for sheet, batches in _files(queryset, mask=mask, bank=bank, year=year, guard=True):
            header = io.StringIO()
            csv.writer(header).writerow(_headers(sheet))
            rows = 0
            with archive.open(f"{sheet}.csv", "w", force_zip64=True) as fh:
                fh.write(header.getvalue().encode("gb18030"))
                for cells in batches:
                    # "" as a missing value: an empty cell unquoted, as the national files have them
                    table = pa.Table.from_arrays(
                        [pc.if_else(pc.equal(c, ""), None, c) for c in cells],
                        names=[str(i) for i in range(len(cells))],
                    )
                    out = io.BytesIO()
                    pacsv.write_csv(table, out, options)
                    fh.write(out.getvalue().decode("utf-8").encode("gb18030"))
                    rows += table.num_rows
                    step(table.num_rows)
            counts.append(rows)
    return counts[0], counts[1]


def write_xlsx(
    path: Path, queryset, *, mask: bool, bank: bool = False, year: int | None = None,
    progress: jobs.Progress | None = None, total: int = 0,
) -> tuple[int, int]:  # fmt: skip
    """One workbook with the two sheets (it imports as it is), in constant memory; returns (households,
    persons). Every cell is text: codes (01) and numbers come back as written."""
    import xlsxwriter

    # ZIP64: a national-size workbook passes 4 GiB, which a plain zip cannot hold (xlsxwriter would fail)
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False, "use_zip64": True}
    )
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    quoted = book.add_format({"quote_prefix": True})
    counts, step = [], jobs.counting(progress, total)
    for name, batches in _files(queryset, mask=mask, bank=bank, year=year, guard=False):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, _headers(name), bold)
        r = 1
        for cells in batches:
            for values in zip(*(c.to_pylist() for c in cells), strict=True):
                for c, value in enumerate(values):
                    if value:
                        write_text(sheet, r, c, value, quoted)
                r += 1
            step(len(cells[0]))
        counts.append(r - 1)
    book.close()
    return counts[0], counts[1]
