"""Exports of households in the official layout: .xlsx (two sheets), .csv and .parquet (one row per person).

Column-wise (issue 23): one SQL query per sheet reads the rows as Arrow record batches (``core.arrowsql``: ADBC's
binary COPY on PostgreSQL), and each column is turned into its cells as a whole — codes into labels by a lookup
array, 是/否 by a vectorised choice, amounts as exact decimals. Python touches a value only where a rule needs
Python: masking personal data (``core.masking``, the one helper: ``mask_column`` masks ID numbers, phones and
dates a column at once, the rest once per distinct value) and the rare formula-like text. Memory is bounded by
a batch, whatever the number of rows. The cells are the same as those ``layout.cell_value`` gives one value at
a time (the template and the importer's error report use that). This is the .xlsx's path, and the reference
the other two ways of making the CSV and Parquet cells are compared with (``CELLS``):

- DuckDB (``duck_cells``, the default on both databases; docs/decisions.md #101): three plain streams from the
  database, the cells made by DuckDB's projections in this process, the household's once per household.
- PostgreSQL (``cells_sql``; docs/decisions.md #94, the default before): the same rules written as PostgreSQL
  SQL, in two queries read at once, the CSV written by ``COPY … TO STDOUT``. Kept to be measured against.

The CSV files are byte-identical whichever way (tested, masked and in full), the Parquet files table-identical.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Field

from jingzhun.core import jobs, masking
from jingzhun.core.arrowsql import arrow_reader
from jingzhun.core.cells import FORMULA_START, write_text
from jingzhun.core.masking import FIELD_KINDS
from jingzhun.registry.choices import Relationship
from jingzhun.registry.models import Household, HouseholdYear, Member

from . import duck_cells
from .layout import (
    CAUSE_SEPARATOR,
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    NO,
    YES,
    Column,
)

NUMERIC = frozenset({"int", "decimal", "computed"})
AMOUNT = pa.decimal128(16, 2)
_FORMULA = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_START) + "]"
# "head.x": the household's head (its first active member related as 户主), as the national layouts name it
_ALIAS = {
    "household": ("h", Household),
    "year": ("y", HouseholdYear),
    "member": ("m", Member),
    "head": ("hd", Member),
}


def _sql(
    queryset, columns: tuple[Column, ...], *, per_member: bool, year: int | None, cell: CellSql | None = None
) -> tuple[str, list]:
    """One query for a sheet: a row per active member (or per household), with the household's columns, its
    head's ID number (or any ``head.`` column) and its record of ``year`` (else its latest), ordered as the households' keyset and the
    members' ids. The head and the latest year are found once per household (grouped over the chosen
    households only), not once per row. ``cell``: each column's value as an expression of the stored one (the
    cells formatted in the query, ``cells_sql``)."""
    qn = connection.ops.quote_name

    def col(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    h, y, m = (qn(model._meta.db_table) for model in (Household, HouseholdYear, Member))
    hid, mhid, yhid = col(Household, "id"), col(Member, "household"), col(HouseholdYear, "household")
    active, relationship, mid = col(Member, "is_active"), col(Member, "relationship"), col(Member, "id")
    year_col = col(HouseholdYear, "year")
    try:
        ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Household.objects.none(): the header alone
        ids_sql, ids_params = "SELECT CAST(NULL AS bigint) WHERE 1 = 0", ()
    params: list = [*ids_params]
    # NOT MATERIALIZED: read three times, a materialised list of ids hides its size from PostgreSQL's planner
    # (estimated 200 rows), which then probes an index per household; inlined, it hash- or merge-joins (5×
    # faster at 34,000 households). SQLite (≥ 3.35) takes the same hint.
    ctes = [f"chosen AS NOT MATERIALIZED ({ids_sql})"]
    # the household's record of the year, and the household itself, joined only where a column needs them
    with_year = any(c.part == "year" for c in columns)
    with_household = not per_member or any(c.part != "member" for c in columns)
    if not with_year:
        year_join = ""
    elif year:
        year_join = f"LEFT JOIN {y} y ON y.{yhid} = h.{hid} AND y.{year_col} = %s"
    else:
        ctes.append(
            f"latest AS (SELECT {yhid} AS hid, MAX({year_col}) AS yr FROM {y} "
            f"WHERE {yhid} IN (SELECT * FROM chosen) GROUP BY {yhid})"
        )
        year_join = f"LEFT JOIN latest ON latest.hid = h.{hid} LEFT JOIN {y} y ON y.{yhid} = h.{hid} AND y.{year_col} = latest.yr"
    select, head_join = [], ""
    if any(c.key == "household.head_id_number" or c.part == "head" for c in columns):
        ctes.append(
            f"heads AS (SELECT {mhid} AS hid, MIN({mid}) AS mid FROM {m} WHERE {relationship} = %s AND "
            f"{active} = %s AND {mhid} IN (SELECT * FROM chosen) GROUP BY {mhid})"
        )
        params += [Relationship.HEAD.value, True]
        head_join = f"LEFT JOIN heads ON heads.hid = h.{hid} LEFT JOIN {m} hd ON hd.{mid} = heads.mid"
    for i, column in enumerate(columns):
        field = _field(column)
        alias = "hd" if column.key == "household.head_id_number" else _ALIAS[column.part][0]
        expr = f"{alias}.{qn(field.column)}"
        select.append(f"{cell(column, field, expr) if cell else expr} AS c{i}")
    if year and with_year:
        params.append(year)
    if per_member and not with_household:
        source = f"{m} m"
        where, order = f"m.{active} = %s AND m.{mhid} IN (SELECT * FROM chosen)", f"m.{mhid}, m.{mid}"
        params.append(True)
    elif per_member:
        source = f"{m} m JOIN {h} h ON m.{mhid} = h.{hid}"
        where, order = f"m.{active} = %s AND h.{hid} IN (SELECT * FROM chosen)", f"h.{hid}, m.{mid}"
        params.append(True)
    else:
        source = f"{h} h"
        where, order = f"h.{hid} IN (SELECT * FROM chosen)", f"h.{hid}"
    sql = (
        f"WITH {', '.join(ctes)} SELECT {', '.join(select)} FROM {source} {year_join} {head_join} "
        f"WHERE {where} ORDER BY {order}"
    )
    return sql, params


def _field(column: Column) -> Field:
    """The model field a column reads (户主公民身份号码: the head's ID number)."""
    if column.key == "household.head_id_number":
        return Member._meta.get_field("id_number")
    return _ALIAS[column.part][1]._meta.get_field(column.name)


def _nullable(column: Column, field: Field) -> bool:
    """May the value read be NULL: a nullable field, or a field of a row LEFT JOINed (the year's record, the
    head). A NOT NULL value needs no COALESCE, and a yes/no or number of one never makes an empty cell."""
    return field.null or column.part in ("year", "head") or column.key == "household.head_id_number"


# (column, its model field, the stored value's SQL) → the cell's SQL
CellSql = Callable[[Column, Field, str], str]


def _text_literal(text: str) -> str:
    """A SQL string literal (``%`` doubled: the query's parameters are put in by psycopg's formatting)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _labels_sql(column: Column, expr: str) -> str:
    """Code → label as ``_labels`` gives it (an unknown code as it is): a lookup in a constant jsonb object."""
    labels: dict[str, str] = {}
    for code, label in column.choices:
        labels.setdefault(str(code), label)  # the first, as Arrow's index_in finds it
    text = f"({expr})::text"
    return f"COALESCE({_text_literal(json.dumps(labels, ensure_ascii=False))}::jsonb ->> {text}, {text})"


def cell_sql(column: Column, field: Field, expr: str) -> str:
    """PostgreSQL: the column's cell as text ("" when empty) from the stored value ``expr`` — what
    ``text_cells`` gives, before masking and the formula guard (``cells_sql`` adds them)."""
    kind, nullable = column.kind, _nullable(column, field)
    if kind == "choice":
        text = _labels_sql(column, expr)
    elif kind == "causes":
        label = _labels_sql(column, "e")
        text = (
            f"(SELECT string_agg({label}, {_text_literal(CAUSE_SEPARATOR)} ORDER BY o) "
            f"FROM jsonb_array_elements_text({expr}) WITH ORDINALITY AS t(e, o))"
        )
    elif kind == "bool":
        no = f"WHEN NOT {expr} THEN {_text_literal(NO)}" if nullable else f"ELSE {_text_literal(NO)}"
        text = f"CASE WHEN {expr} THEN {_text_literal(YES)} {no} END"
    elif kind in NUMERIC:
        output = getattr(field, "output_field", None) or field  # a GeneratedField's type is its output's
        places = getattr(output, "decimal_places", None)
        # amounts to the cent as Arrow's decimal128(16, 2) prints them (numeric(…, 2) prints the same)
        text = f"({expr})::text" if places in (None, 2) else f"({expr})::numeric(16, 2)::text"
    else:
        text = f"({expr})::text"
    # a label falls back on its code (never NULL); the causes of an empty list are NULL
    return f"COALESCE({text}, '')" if nullable or kind == "causes" else text


def _guard_sql(text: str) -> str:
    """``text`` with the formula guard's apostrophe, as ``text_cells(guard=True)`` gives it: the first
    character's code compared (``ascii``; 0 for ""), no substring made for each cell."""
    starts = ", ".join(str(ord(c)) for c in FORMULA_START)
    return f"CASE WHEN ascii({text}) IN ({starts}) THEN '''' || {text} ELSE {text} END"


def cells_sql(
    queryset, columns: tuple[Column, ...], *, per_member: bool, year: int | None, mask: bool, guard: bool,
    empty_as_null: bool = False, cell: CellSql = cell_sql,
) -> str:  # fmt: skip
    """PostgreSQL: one query whose columns are the file's cells as text, in the file's order — labels, yes/no,
    amounts, masking (``masking.mask_sql``, from the helper's own rules) and the formula guard done by the
    server, so that Python only streams the rows. Equal cell for cell to ``text_cells`` (a test compares the
    files byte for byte). ``empty_as_null``: an empty cell as NULL (COPY writes it unquoted). The cells are
    formatted in a subquery kept apart (OFFSET 0), so that masking and the guard read each once."""
    sql, params = _sql(queryset, columns, per_member=per_member, year=year, cell=cell)
    outer = []
    for i, column in enumerate(columns):
        text = f"s.c{i}"
        personal = FIELD_KINDS.get(column.name)
        if mask and personal:
            text = masking.mask_sql(personal, text)
        if guard and column.kind not in NUMERIC and column.kind != "bool":  # 是, 否 or "": never a formula
            text = _guard_sql(text)
        never_empty = column.kind in NUMERIC | {"bool"} and not _nullable(column, _field(column))
        outer.append(f"NULLIF({text}, '')" if empty_as_null and not never_empty else text)
    return connection.ops.compose_sql(f"SELECT {', '.join(outer)} FROM ({sql} OFFSET 0) s", params)


# Our flat layout: the household's columns (its card and yearly record) come first, then the member's (the
# database-made files join the two parts of each row: a test compares them with the Arrow path's)
_SPLIT = next(i for i, c in enumerate(FLAT_COLUMNS) if c.part == "member")
_HOUSEHOLD_KEY = Column("household.id", "id", "int")
_MEMBER_KEY = Column("member.household", "household", "int")


def _copied_csv(queryset, *, mask: bool, year: int | None) -> Iterator[tuple[bytes, int]]:
    """PostgreSQL: our CSV's rows from two COPYs, the household's cells formatted once per household (not once
    per member: ~55 of the 85 columns) and the member's once per member, both ordered by household; each member
    row is its household's part, a comma, its own part (two CSV rows' fields joined are one row's). Outside a
    transaction the household rows come on a second connection at the same time (a second server process);
    inside one (tests) they are read first. COPY quotes a cell only where it holds a comma, a quote or a line
    break, as Python's writer does, and ends rows by LF where Python's writer writes CRLF."""
    households = cells_sql(queryset, (_HOUSEHOLD_KEY, *FLAT_COLUMNS[:_SPLIT]), per_member=False, year=year,
                           mask=mask, guard=True, empty_as_null=True)  # fmt: skip
    members = cells_sql(queryset, (_MEMBER_KEY, *FLAT_COLUMNS[_SPLIT:]), per_member=True, year=year,
                        mask=mask, guard=True, empty_as_null=True)  # fmt: skip
    with _second_copy(households) as household_rows:
        current, part = -1, b""
        buffer, count = bytearray(), 0
        for row in _copy(members, "FORMAT csv"):
            data = bytes(row)
            comma = data.index(b",")
            hid = int(data[:comma])
            while current < hid:  # both in the households' order
                line = next(household_rows, None)
                if line is None:
                    break
                line = bytes(line)
                at = line.index(b",")
                current, part = int(line[:at]), line[at + 1 : -1]
            if (
                current != hid
            ):  # a household added between the two reads: its members wait for the next export
                continue
            buffer += part
            buffer += data[comma:-1]
            buffer += b"\r\n"
            count += 1
            if len(buffer) >= 1 << 20:
                yield bytes(buffer), count
                buffer.clear()
                count = 0
        if count:
            yield bytes(buffer), count


@contextmanager
def _second_copy(sql: str) -> Iterator[Iterator[memoryview]]:
    """The rows of ``COPY (sql)`` as CSV read at the same time as another query on Django's connection: on a
    connection of their own outside a transaction, else read first on Django's (a second connection would not
    see the transaction's rows)."""
    if connection.in_atomic_block:
        yield iter([bytes(row) for row in _copy(sql, "FORMAT csv")])
        return
    connection.ensure_connection()
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            yield iter(copy)
    finally:
        other.close()


def _copy(sql: str, options: str) -> Iterator[memoryview]:
    """The rows of ``COPY (sql) TO STDOUT`` on Django's connection, one row's bytes at a time."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH ({options})") as copy,
    ):
        yield from copy


# Who makes the cells of our CSV and Parquet: DuckDB over the three plain streams (``duck_cells``, the default),
# PostgreSQL's query (``cells_sql``, the path before it, PostgreSQL only) or Arrow's kernels in this process
# (``text_cells``: the reference the others are compared with byte for byte, and the .xlsx's cells)
CELLS = ("duckdb", "postgresql", "arrow")


def _cells(cells: str | None) -> str:
    if cells is None:
        return "duckdb"
    if cells not in CELLS or (cells == "postgresql" and connection.vendor != "postgresql"):
        raise ValueError(f"cells: one of {CELLS} (postgresql on PostgreSQL only), not {cells!r}")
    return cells


@contextmanager
def _batches(queryset, columns, *, per_member: bool, year: int | None) -> Iterator[Iterator[pa.RecordBatch]]:
    sql, params = _sql(queryset, columns, per_member=per_member, year=year)
    with arrow_reader(sql, params) as reader:
        yield iter(reader)


def _per_distinct(array: pa.Array, fn: Callable[[object], object]) -> pa.Array:
    """``fn`` applied once per distinct value (codes, combinations of causes, masked numbers)."""
    encoded = pc.dictionary_encode(array)
    return pc.take(pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string()), encoded.indices)


def _labels(column: Column, array: pa.Array) -> pa.Array:
    keys, labels = zip(*column.choices, strict=True)
    codes = array.cast(pa.string())
    return pc.coalesce(
        pc.take(pa.array(labels, pa.string()), pc.index_in(codes, value_set=pa.array(keys))), codes
    )


def _causes(value) -> str:
    if not value:
        return ""
    labels = dict(_CAUSES)
    codes = json.loads(value) if isinstance(value, str) else value
    return CAUSE_SEPARATOR.join(labels.get(c, c) for c in codes)


_CAUSES = next(c.choices for c in HOUSEHOLD_COLUMNS if c.kind == "causes")


def _amounts(array: pa.Array) -> pa.Array:
    """Exact decimals with two places, whatever the driver hands: PostgreSQL numerics (as decimals or text),
    SQLite's floats and integers (rounded to the cent as Django's own converter does)."""
    if pa.types.is_floating(array.type) or pa.types.is_integer(array.type):
        array = pc.round(array.cast(pa.float64()), 2)
    return array.cast(AMOUNT, safe=False)


def _numbers(column: Column, array: pa.Array) -> pa.Array:
    if pa.types.is_null(array.type):
        return array
    whole = duck_cells.whole_number(column)
    if column.kind == "int" or (pa.types.is_integer(array.type) if whole is None else whole):
        return array.cast(pa.int64())
    return _amounts(array)


def text_cells(column: Column, array: pa.Array, *, mask: bool, guard: bool) -> pa.Array:
    """The column's cells as text ("" when empty): what the CSV and Parquet files hold."""
    kind = column.kind
    if isinstance(array.type, pa.BaseExtensionType):  # ADBC hands json/jsonb as arrow.json over text
        array = array.storage
    if kind == "choice":
        text = _labels(column, array)
    elif kind == "causes" and pa.types.is_list(array.type):  # psycopg decodes jsonb into lists
        offsets = pc.subtract(array.offsets, array.offsets[0])
        labels = pa.ListArray.from_arrays(
            offsets, _labels(column, pc.list_flatten(array)), mask=array.is_null()
        )
        text = pc.binary_join(labels, CAUSE_SEPARATOR)
    elif kind == "causes":
        text = _per_distinct(array, _causes)
    elif kind == "bool":
        text = pc.if_else(array.cast(pa.bool_()), YES, NO) if not pa.types.is_null(array.type) else array
    elif kind in NUMERIC:
        text = _numbers(column, array)
    else:
        text = array
    text = pc.fill_null(text.cast(pa.string()), "")
    personal = FIELD_KINDS.get(column.name)
    if mask and personal:
        text = masking.mask_column(personal, text)
    if guard and kind not in NUMERIC:
        text = pc.if_else(
            pc.match_substring_regex(text, _FORMULA), pc.binary_join_element_wise("'", text, ""), text
        )
    return text


def _sheet_cells(column: Column, array: pa.Array, *, mask: bool) -> list:
    """The column's cells for a spreadsheet: numbers as numbers, the rest as text."""
    if column.kind in NUMERIC and not (mask and FIELD_KINDS.get(column.name)):
        numbers = _numbers(column, array)
        if pa.types.is_decimal(numbers.type):
            numbers = numbers.cast(pa.string()).cast(pa.float64())  # parsed: the double nearest the cents
        return numbers.to_pylist()
    return text_cells(column, array, mask=mask, guard=False).to_pylist()


def _text_columns(batch: pa.RecordBatch, columns, *, mask: bool, guard: bool) -> list[pa.Array]:
    return [text_cells(c, batch.column(i), mask=mask, guard=guard) for i, c in enumerate(columns)]


# Cells unquoted, lines ended by CRLF: what Python's csv writer writes for cells with no comma, quote or line break
_UNQUOTED = pacsv.WriteOptions(include_header=False, quoting_style="none", eol="\r\n")


def _csv_rows(cells: list[pa.Array]) -> str:
    """The rows' CSV text as Python's ``csv.writer`` writes it (a cell quoted only where it holds a comma, a quote
    or a line break): Arrow's writer where no cell needs quotes — almost every batch; it refuses one that does,
    which Python's writer then writes (Arrow's own quoting would quote every text cell)."""
    try:
        out = io.BytesIO()
        pacsv.write_csv(
            pa.Table.from_arrays(cells, names=[str(i) for i in range(len(cells))]), out, _UNQUOTED
        )
        return out.getvalue().decode("utf-8")
    except pa.ArrowInvalid:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(zip(*(c.to_pylist() for c in cells), strict=True))
        return buffer.getvalue()


def _csv_pieces(queryset, *, mask: bool, year: int | None, cells: str | None) -> Iterator[tuple[bytes, int]]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([c.header for c in FLAT_COLUMNS])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8"), 0
    how = _cells(cells)
    if how == "duckdb":
        for (lines,) in duck_cells.chunks(queryset, FLAT_COLUMNS, year=year, mask=mask, line=True):
            yield b"".join(_text_bytes(chunk) for chunk in lines.chunks), len(lines)
        return
    if how == "postgresql":
        yield from _copied_csv(queryset, mask=mask, year=year)
        return
    with _batches(queryset, FLAT_COLUMNS, per_member=True, year=year) as batches:
        for batch in batches:
            cells_ = _text_columns(batch, FLAT_COLUMNS, mask=mask, guard=True)
            yield _csv_rows(cells_).encode("utf-8"), batch.num_rows


def _text_bytes(array: pa.Array) -> memoryview:
    """The UTF-8 bytes of a text array's values end to end (its data buffer between its first and last
    offsets): the CSV lines as DuckDB made them, no Python object per line."""
    _validity, offsets, data = array.buffers()[:3]
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    bounds = np.frombuffer(offsets, width)[array.offset : array.offset + len(array) + 1]
    return memoryview(data)[bounds[0] : bounds[-1]] if len(array) else memoryview(b"")


def csv_chunks(queryset, *, mask: bool, year: int | None = None, cells: str | None = None) -> Iterator[bytes]:
    """The CSV file in pieces (UTF-8 with BOM so that Excel reads the Chinese headers), a chunk of rows per
    piece. ``cells``: who makes the cells (``CELLS``; DuckDB unless told)."""
    return (piece for piece, _rows in _csv_pieces(queryset, mask=mask, year=year, cells=cells))


def write_csv(
    path: Path, queryset, *, mask: bool, year: int | None = None, cells: str | None = None,
    progress: jobs.Progress | None = None, total: int = 0,
) -> int:  # fmt: skip
    """The CSV file at ``path``; returns the number of persons (each chunk's added to ``progress``)."""
    count, step = 0, jobs.counting(progress, total)
    with path.open("wb") as fh:
        for piece, rows in _csv_pieces(queryset, mask=mask, year=year, cells=cells):
            fh.write(piece)
            count += rows
            step(rows)
    return count


def write_parquet(
    path: Path, queryset, *, mask: bool, year: int | None = None, cells: str | None = None,
    progress: jobs.Progress | None = None, total: int = 0,
) -> int:  # fmt: skip
    """One row per person, every column as text (the file round-trips exactly); each row group's persons added
    to ``progress``."""
    import pyarrow.parquet as pq

    schema = pa.schema([(c.header, pa.string()) for c in FLAT_COLUMNS])
    count, step = 0, jobs.counting(progress, total)
    how = _cells(cells)
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        if how == "duckdb":
            tables = (
                pa.Table.from_arrays(columns, schema=schema)
                for columns in duck_cells.chunks(queryset, FLAT_COLUMNS, year=year, mask=mask, line=False)
            )
        elif how == "postgresql":
            tables = _parquet_tables(queryset, schema, mask=mask, year=year)
        else:
            tables = _arrow_tables(queryset, schema, mask=mask, year=year)
        for table in tables:
            writer.write_table(table)
            count += table.num_rows
            step(table.num_rows)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


def _arrow_tables(queryset, schema: pa.Schema, *, mask: bool, year: int | None) -> Iterator[pa.Table]:
    with _batches(queryset, FLAT_COLUMNS, per_member=True, year=year) as batches:
        for batch in batches:
            yield pa.Table.from_arrays(
                _text_columns(batch, FLAT_COLUMNS, mask=mask, guard=False), schema=schema
            )


def _parquet_tables(queryset, schema: pa.Schema, *, mask: bool, year: int | None) -> Iterator[pa.Table]:
    """PostgreSQL: our rows as Arrow tables from two queries of formatted cells (``cells_sql``), the household's
    once per household and the member's once per member, both read at once (each on its ADBC connection outside
    a transaction) and both in the households' order: each member batch takes its households' cells from those
    read so far (by bisection), and the households before it are dropped."""
    households = cells_sql(queryset, (_HOUSEHOLD_KEY, *FLAT_COLUMNS[:_SPLIT]), per_member=False, year=year,
                           mask=mask, guard=False)  # fmt: skip
    members = cells_sql(queryset, (_MEMBER_KEY, *FLAT_COLUMNS[_SPLIT:]), per_member=True, year=year,
                        mask=mask, guard=False)  # fmt: skip
    with arrow_reader(households, None) as household_batches, arrow_reader(members, None) as member_batches:
        household_batches = iter(household_batches)
        ids = np.zeros(0, np.int64)
        cells: list[pa.Array] = [pa.array([], pa.string()) for _ in range(_SPLIT)]
        for batch in member_batches:
            wanted = batch.column(0).cast(pa.int64()).to_numpy(zero_copy_only=False)
            while len(wanted) and (not len(ids) or ids[-1] < wanted[-1]):
                more = next(household_batches, None)
                if more is None:
                    break
                ids = np.concatenate([ids, more.column(0).cast(pa.int64()).to_numpy(zero_copy_only=False)])
                cells = [
                    pa.concat_arrays([c, m.cast(pa.string())])
                    for c, m in zip(cells, more.columns[1:], strict=True)
                ]
            at = np.searchsorted(ids, wanted)
            found = at < len(ids)
            found[found] = ids[at[found]] == wanted[found]
            if (
                not found.all()
            ):  # a household added between the two reads: its members wait for the next export
                batch, at = batch.filter(pa.array(found)), at[found]
            index = pa.array(at, pa.int64())
            columns = [pc.take(c, index) for c in cells] + [c.cast(pa.string()) for c in batch.columns[1:]]
            yield pa.Table.from_arrays(columns, schema=schema)
            if len(wanted):  # the households of later members come after this batch's last
                keep = int(np.searchsorted(ids, wanted[-1]))
                ids, cells = ids[keep:], [c.slice(keep) for c in cells]


def write_xlsx(
    path: Path, queryset, *, mask: bool, year: int | None = None, progress: jobs.Progress | None = None,
    total: int = 0,
) -> tuple[int, int]:  # fmt: skip
    """Two sheets in constant-memory mode; returns (households, persons), each batch's rows added to
    ``progress`` (households, then persons)."""
    import xlsxwriter

    # ZIP64: a national-size workbook passes 4 GiB, which a plain zip cannot hold (xlsxwriter would fail)
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False, "use_zip64": True}
    )
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True})
    quoted = book.add_format({"quote_prefix": True})
    counts, step = [], jobs.counting(progress, total)
    for name, columns, per_member in (
        (HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS, False),
        (MEMBER_SHEET, MEMBER_COLUMNS, True),
    ):
        sheet = book.add_worksheet(name)
        for i, column in enumerate(columns):
            sheet.set_column(i, i, column.width)
        sheet.write_row(0, 0, [c.header for c in columns], header)
        sheet.freeze_panes(1, 2)
        r = 1
        with _batches(queryset, columns, per_member=per_member, year=year) as batches:
            for batch in batches:
                cells = [_sheet_cells(c, batch.column(i), mask=mask) for i, c in enumerate(columns)]
                for values in zip(*cells, strict=True):
                    _write_cells(sheet, r, values, quoted)
                    r += 1
                step(batch.num_rows)
        counts.append(r - 1)
    book.close()
    return counts[0], counts[1]


def _write_cells(sheet, r: int, values, quoted) -> None:
    for c, value in enumerate(values):
        if isinstance(value, str):
            if value:
                write_text(sheet, r, c, value, quoted)  # IDs and codes stay text, never 5.22634e17
        elif value is not None:
            sheet.write_number(r, c, value)
