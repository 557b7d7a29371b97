"""Our CSV and Parquet exports with the cells made by DuckDB (issue 23; docs/decisions.md #101).

The database hands three plain streams, as Arrow batches (``core.arrowsql``: ADBC's binary COPY on PostgreSQL):
the chosen households, their record of the year (else their latest) and their active members — each a scan
ordered by household, with nothing joined for each row and no cell formatted by the server (numerics come as
their text, the yes/no columns of a row as one number of two bits each: the driver decodes fewer values). The
member batches are cut into chunks of whole households; each chunk's households get their year and their head
(the first active 户主) put beside them by bisection, all three streams being in the households' order. Then
DuckDB makes the cells with two projections — the household's once per household, the member's once per
member: labels, 是/否, amounts to the cent, masking (``masking.mask_sql``: the one helper's rules, the SQL text
PostgreSQL's path runs too) and, for the CSV, the formula guard, the quoting and each part's fields joined, so
that Python puts each member's part after its household's and writes the bytes of an Arrow buffer, never a
Python object per row.

The streams are read at once (each on its own connection outside a transaction, a batch or two ahead) while two
chunks are made at once, each by its own DuckDB connection on a thread (DuckDB works outside the GIL; each
chunk's queries take ~30 ms to start whatever their rows, which the other chunk's work overlaps). Memory is
bounded by the chunks in flight whatever the number of rows. The files are those of the Arrow path (``export``'s
reference): the CSV byte for byte, the Parquet table for table (tests hold it, masked and in full, on SQLite and
PostgreSQL, and with batches cutting households anywhere).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connection

from jingzhun.core import masking
from jingzhun.core.arrowsql import arrow_reader
from jingzhun.core.cells import FORMULA_START
from jingzhun.core.masking import FIELD_KINDS
from jingzhun.registry.choices import Relationship
from jingzhun.registry.models import Household, HouseholdYear, Member

from .layout import CAUSE_SEPARATOR, NO, YES, Column

NUMERIC = frozenset({"int", "decimal", "computed"})
_MODELS = {"household": Household, "year": HouseholdYear, "member": Member}
# Chunks made at once, each by a DuckDB connection of THREADS threads: on two cores, two single-threaded chunks
# beat one chunk on two threads (measured: a chunk's fixed start-up cost is then overlapped); the database's
# server processes and the readers' threads share the cores with them.
WORKERS = 2
THREADS = 1
# batches read ahead on each stream (~12 MB each): the server and the driver's decoding go on while DuckDB works
READ_AHEAD = 2


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source(column: Column) -> tuple[str, str]:
    """(the stream, the stored column's name) a column reads; 户主公民身份号码 is the head's ID number."""
    if column.key == "household.head_id_number":
        return "head", Member._meta.get_field("id_number").column
    return column.part, _MODELS[column.part]._meta.get_field(column.name).column


def _field(model, column_name: str):
    return next(f for f in model._meta.concrete_fields if f.column == column_name)


def _raw(column_name: str, model, alias: str) -> str:
    """A stored column as read: PostgreSQL's numerics as their text (exact; ADBC's decoding of a numeric costs
    more than the server's text) and json as its text (the cursor in a transaction would decode it into lists)."""
    qn = connection.ops.quote_name
    expr = f"{alias}.{qn(column_name)}"
    if connection.vendor != "postgresql":
        return expr
    field = _field(model, column_name)
    internal = (getattr(field, "output_field", None) or field).get_internal_type()
    return f"({expr})::text" if internal in ("DecimalField", "JSONField") else expr


def _read(columns: tuple[Column, ...]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """What each stream reads for ``columns``: its stored columns, and apart its yes/no columns, which are read
    as one number of two bits each (``_bits_sql``: 0 否, 1 是, 2 empty) — a dozen values a row fewer for the
    driver to decode, each costing it about as much as a text."""
    wanted: dict[str, list[str]] = {"household": [], "year": [], "member": []}
    flags: dict[str, list[str]] = {"household": [], "year": [], "member": []}
    for column in (*columns, *(Column(f"member.{n}", n) for n in ("id", "relationship"))):
        part, name = _source(column)
        part = "member" if part == "head" else part
        is_flag = _field(_MODELS[part], name).get_internal_type() == "BooleanField"
        chosen = flags if is_flag else wanted
        if name not in chosen[part]:
            chosen[part].append(name)
    return wanted, flags


def _bits_sql(alias: str, names: list[str]) -> str:
    """The yes/no columns ``names`` as one number, two bits each, the first lowest (in SQLite too). A BIGINT
    holds 31 of them (a member has 12, a year's record 9): more would wrap silently, so they are refused."""
    if len(names) > 31:
        raise ValueError(f"{len(names)} yes/no columns in one stream: at most 31 fit its bits")
    qn = connection.ops.quote_name
    return " | ".join(
        f"(CAST(COALESCE(CAST({alias}.{qn(n)} AS INTEGER), 2) AS BIGINT) << {2 * i})"
        for i, n in enumerate(names)
    )


def _streams(queryset, columns: tuple[Column, ...], year: int | None) -> dict[str, tuple[str, list]]:
    """The SQL of the three streams: each reads only the columns the file needs, of the chosen households only
    (the queryset's ids, not materialised: the planner joins them by hash or merge), ordered by household."""
    qn = connection.ops.quote_name
    try:
        ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # Household.objects.none(): the header alone
        ids_sql, ids_params = "SELECT CAST(NULL AS bigint) WHERE 1 = 0", ()
    chosen = f"WITH chosen AS NOT MATERIALIZED ({ids_sql})"
    wanted, flags = _read(columns)
    h, y, m = (qn(model._meta.db_table) for model in (Household, HouseholdYear, Member))

    def select(part: str, alias: str) -> str:
        model = _MODELS[part]
        names = [f"{_raw(n, model, alias)} AS {qn(n)}" for n in wanted[part]]
        if flags[part]:
            names.append(f"{_bits_sql(alias, flags[part])} AS bits")
        return ", ".join(names) or "NULL AS none"

    streams = {
        "household": (
            f"{chosen} SELECT h.id AS hid, {select('household', 'h')} "
            f"FROM {h} h WHERE h.id IN (SELECT * FROM chosen) ORDER BY h.id",
            [*ids_params],
        ),
        "member": (
            f"{chosen} SELECT m.household_id AS hid, {select('member', 'm')} FROM {m} m "
            f"WHERE m.is_active = %s AND m.household_id IN (SELECT * FROM chosen) ORDER BY m.household_id, m.id",
            [*ids_params, True],
        ),
    }
    if wanted["year"] or flags["year"]:
        columns_sql = select("year", "y")
        if year:
            streams["year"] = (
                f"{chosen} SELECT y.household_id AS hid, {columns_sql} FROM {y} y WHERE y.year = %s AND "
                f"y.household_id IN (SELECT * FROM chosen) ORDER BY y.household_id",
                [*ids_params, year],
            )
        else:  # the latest record of each household
            streams["year"] = (
                f"{chosen}, latest AS (SELECT household_id AS hid, MAX(year) AS yr FROM {y} WHERE household_id "
                f"IN (SELECT * FROM chosen) GROUP BY household_id) SELECT y.household_id AS hid, {columns_sql} "
                f"FROM {y} y JOIN latest ON y.household_id = latest.hid AND y.year = latest.yr "
                f"ORDER BY y.household_id",
                [*ids_params],
            )
    return streams


def _labels(column: Column, text: str) -> str:
    """Code → label (an unknown code as it is), the first label of a code as Arrow's index_in finds it."""
    labels: dict[str, str] = {}
    for code, label in column.choices:
        labels.setdefault(str(code), label)
    pairs = ", ".join(f"{_literal(code)}: {_literal(label)}" for code, label in labels.items())
    return f"coalesce(MAP {{{pairs}}}[{text}], {text})"


def whole_number(column: Column) -> bool | None:
    """Is the stored value a whole number, by its model field (家庭人口数 is computed, but counted: no cents) —
    not by the values read: SQLite hands an amount of 0.00 as the integer 0. None: the column reads no field
    of the registry's models."""
    try:
        part, name = _source(column)
    except (KeyError, FieldDoesNotExist):
        return None
    model = Member if part == "head" else _MODELS[part]
    field = next(f for f in model._meta.concrete_fields if f.column == name)
    return "Integer" in (getattr(field, "output_field", None) or field).get_internal_type()


def cell(column: Column, expr: str, *, mask: bool) -> str:
    """DuckDB: the column's cell as text ("" when empty) from the value read — what ``export.text_cells``
    gives before the formula guard, masked where ``mask`` says."""
    kind = column.kind
    text = f"CAST({expr} AS VARCHAR)"
    if kind == "choice":
        text = _labels(column, text)
    elif kind == "causes":
        label = _labels(column, "e")
        text = (
            f"nullif(array_to_string(list_transform(from_json({expr}, '[\"VARCHAR\"]'), lambda e: {label}), "
            f"{_literal(CAUSE_SEPARATOR)}), '')"
        )
    elif kind == "bool":
        value = f"CAST({expr} AS BOOLEAN)"
        text = f"CASE WHEN {value} THEN {_literal(YES)} WHEN NOT {value} THEN {_literal(NO)} END"
    elif kind == "int" or (kind in NUMERIC and whole_number(column)):
        text = f"CAST(CAST({expr} AS BIGINT) AS VARCHAR)"
    elif kind in NUMERIC:  # amounts to the cent as Arrow's decimal128(16, 2) prints them
        text = f"CAST(CAST({expr} AS DECIMAL(16, 2)) AS VARCHAR)"
    text = f"coalesce({text}, '')"
    personal = FIELD_KINDS.get(column.name)
    return masking.mask_sql(personal, text) if mask and personal else text


def _part(columns: tuple[Column, ...], first: int, table: str, flags: dict, *, mask: bool, line: bool) -> str:
    """The query of a part of the row (the household's columns over ``hh``, or the member's over ``m``): the
    household's id, the row's place and each column's cell as ``c<i>`` or, for the CSV, the part's fields
    joined as one text ``part``. For the CSV the cells are made a level below, so that each is written once;
    then one test over the part's text fields put end to end finds the rare row where one needs the formula
    guard or quotes, and only that row's fields are guarded and quoted one by one — for every other row the
    part is its cells joined by commas."""
    cells = [
        f"{cell(column, _ref(column, flags), mask=mask)} AS c{(0 if line else first) + i}"
        for i, column in enumerate(columns)
    ]
    qualified = f"{table}.hid AS hid, {table}.pos AS pos"
    made = f"SELECT {qualified}, {', '.join(cells)} FROM {table}"
    if not line:
        return made
    names = [f"c{i}" for i in range(len(columns))]
    texts = [n for n, c in zip(names, columns, strict=True) if _free(c)]
    joined = f"concat_ws(',', {', '.join(names)})"
    if texts:
        careful = ", ".join(_careful_field(n) if n in texts else n for n in names)
        test = _needs_care(f"chr(31) || concat_ws(chr(31), {', '.join(texts)})")
        joined = f"CASE WHEN {test} THEN concat_ws(',', {careful}) ELSE {joined} END"
    return f"SELECT hid, pos, {joined} AS part FROM ({made})"


def _free(column: Column) -> bool:
    """Can the cell start like a formula or hold a comma, a quote or a line break: free text or an unknown
    code, never 是/否 or a number."""
    return column.kind not in NUMERIC | {"bool"}


def _class(characters: str) -> str:
    """A regular expression's character class of ``characters`` (RE2's escapes)."""
    escapes = {"\t": r"\t", "\r": r"\r", "\n": r"\n", "-": r"\-", "\\": r"\\", "]": r"\]", "^": r"\^"}
    return "[" + "".join(escapes.get(c, c) for c in characters) + "]"


_QUOTED = ',"\r\n'  # a comma, a quote or a line break: the fields Python's csv writer quotes
# either, or a formula's first character, in text fields joined by the unit separator (chr 31) after one
_NEEDS_CARE = f"{_class(_QUOTED)}|\\x1f{_class(FORMULA_START)}"


def _needs_care(joined: str) -> str:
    """Does any of the text fields ``joined`` (each after a unit separator) need the guard or quotes: one
    regular expression for the part."""
    return f"regexp_matches({joined}, {_literal(_NEEDS_CARE)})"


def _careful_field(name: str) -> str:
    """A text field of the CSV: the formula guard's apostrophe (``export.text_cells(guard=True)``: the first
    character's code compared) and, where it holds a comma, a quote or a line break, in quotes with its
    quotes doubled. No regular expression here: each one is set up again for every chunk (~0.3 ms)."""
    starts = ", ".join(str(ord(c)) for c in FORMULA_START)
    guarded = f"CASE WHEN ascii({name}) IN ({starts}) THEN '''' || {name} ELSE {name} END"
    special = " OR ".join(f"contains({name}, chr({ord(c)}))" for c in _QUOTED)
    quoted = "'\"' || replace(" + guarded + ", '\"', '\"\"') || '\"'"
    return f"CASE WHEN {special} THEN {quoted} ELSE {guarded} END"


def queries(columns: tuple[Column, ...], *, mask: bool, line: bool) -> tuple[str, str]:
    """The two DuckDB queries over a chunk: the household's cells, once per household (table ``hh``: each
    household with its year and its head, put beside it by ``_households``); the member's, once per member
    (table ``m``). Both are projections and nothing else. Each row starts with its household's id and its
    place in the chunk (``pos``: DuckDB's threads may hand a scan's rows back in another order,
    ``preserve_insertion_order`` or not); its cells are ``c0``… or, for the CSV (``line``), the household's
    part of a line and the member's (from its comma to its CRLF)."""
    split = next((i for i, c in enumerate(columns) if c.part == "member"), len(columns))
    _wanted, flags = _read(columns)
    households = _part(columns[:split], 0, "hh", flags, mask=mask, line=line)
    members = _part(columns[split:], split, "m", flags, mask=mask, line=line)
    if line:
        members = f"SELECT hid, pos, ',' || part || chr(13) || chr(10) AS part FROM ({members})"
    return households, members


def _ref(column: Column, flags: dict[str, list[str]]) -> str:
    """The value a column reads in its table: a member's own in ``m``; in ``hh``, the household's, its year's
    and its head's beside one another (``h__…``, ``y__…``, ``hd__…``). A yes/no value is taken out of its
    stream's ``bits`` (true, false or NULL)."""
    part, name = _source(column)
    if name not in flags["member" if part == "head" else part]:
        return f'm."{name}"' if part == "member" else f'hh."{_PREFIX[part]}__{name}"'
    bits = "m.bits" if part == "member" else f'hh."{_PREFIX[part]}__bits"'
    place = flags["member" if part == "head" else part].index(name)
    return f"CASE ({bits} >> {2 * place}) & 3 WHEN 1 THEN true WHEN 0 THEN false END"


_PREFIX = {"household": "h", "year": "y", "head": "hd"}


def chunks(
    queryset, columns: tuple[Column, ...], *, year: int | None, mask: bool, line: bool
) -> Iterator[list[pa.ChunkedArray]]:
    """The file's rows, a chunk of whole households at a time (see the module's docstring): its columns of
    cells, or (``line``) the CSV lines as one column; the chunks come out in order."""
    import duckdb

    streams = _streams(queryset, columns, year)
    sql = queries(columns, mask=mask, line=line)
    database = duckdb.connect(config={"threads": THREADS})
    local, connections = threading.local(), []

    def make(members: pa.Table, tables: dict[str, pa.Table]) -> list:
        if not hasattr(local, "con"):  # a connection per thread: registered tables are the connection's own
            local.con = database.cursor()
            connections.append(local.con)
        return _chunk(local.con, sql, members, tables, line=line)

    try:
        with ExitStack() as stack:
            pool = stack.enter_context(ThreadPoolExecutor(WORKERS, thread_name_prefix="duck-cells"))
            readers = {
                name: stack.enter_context(arrow_reader(text, params, depth=READ_AHEAD))
                for name, (text, params) in streams.items()
            }
            buffers = {name: _Ordered(readers[name]) for name in ("household", "year") if name in readers}
            made: deque = deque()
            for members in _cut(iter(readers["member"])):
                upto = members.column(0)[members.num_rows - 1].as_py()
                made.append(pool.submit(make, members, {n: b.upto(upto) for n, b in buffers.items()}))
                if len(made) >= WORKERS:
                    yield made.popleft().result()
            while made:
                yield made.popleft().result()
    finally:
        for con in connections:
            con.close()
        database.close()


def _cut(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.Table]:
    """The member batches as chunks of whole households: a batch is cut before its last household, whose
    members may go on in the next batch. A chunk is handed out when the next one starts, so that the last
    household's few members join the chunk before them (a chunk is a Parquet row group)."""
    pending: list[pa.RecordBatch] = []
    ready: list[pa.RecordBatch] = []
    for batch in batches:
        if not batch.num_rows:
            continue
        hids = batch.column(0)
        last = hids[len(hids) - 1]
        cut = pc.index(hids, last).as_py()
        if not cut and (not pending or pending[-1].column(0)[pending[-1].num_rows - 1] == last):
            pending.append(batch)  # one household all through the batch
            continue
        if ready:
            yield _table(ready)
        ready, pending = [*pending, batch.slice(0, cut)], [batch.slice(cut)]
    if ready or pending:
        yield _table([*ready, *pending])


def _table(batches: list[pa.RecordBatch]) -> pa.Table:
    """Batches as one table. Read by Django's cursor, a batch's types are guessed from its values (a column
    empty in one batch is of type null there): they are widened to agree."""
    if all(b.schema == batches[0].schema for b in batches):
        return pa.Table.from_batches(batches)
    return pa.concat_tables([pa.Table.from_batches([b]) for b in batches], promote_options="permissive")


def _chunk(con, sql: tuple[str, str], members: pa.Table, tables: dict[str, pa.Table], *, line: bool) -> list:
    """A chunk's rows: the two queries' results put side by side, each member row next to its household's
    (found by bisection: both in the households' order). A member whose household was added between the
    reads waits for the next export."""
    hids = members.column(0).to_numpy()
    households = _households(tables["household"], tables.get("year"), members, hids)
    con.register("hh", households)
    con.register("m", members.append_column("pos", pa.array(np.arange(members.num_rows))))
    try:
        made = [_in_order(con.sql(text).to_arrow_table()) for text in sql]
    finally:  # the chunk's tables are not kept by the connection, whatever happened
        con.unregister("hh")
        con.unregister("m")
    ids = households.column(0).to_numpy()
    at = np.searchsorted(ids, hids)
    found = at < len(ids)
    found[found] = ids[at[found]] == hids[found]
    persons = made[1] if found.all() else made[1].filter(pa.array(found))
    index = pa.array(at[found], pa.int64())
    theirs = [pc.take(c, index) for c in made[0].columns[2:]]
    if line:
        return [pc.binary_join_element_wise(theirs[0], persons.column(2), "")]
    return [*theirs, *persons.columns[2:]]


def _in_order(table: pa.Table) -> pa.Table:
    """A query's rows back in the order of its table's (their place, column 1)."""
    places = table.column(1).to_numpy()
    if len(places) > 1 and not (places[1:] > places[:-1]).all():
        return table.take(np.argsort(places))
    return table


def _households(h: pa.Table, y: pa.Table | None, members: pa.Table, hids: np.ndarray) -> pa.Table:
    """Each household of the chunk with its year's record and its head's columns beside it (``h__…``,
    ``y__…``, ``hd__…``; none where it has none), found by bisection — all three are in the households'
    order — rather than joined by DuckDB for each chunk. The head is the household's first active member
    related as 户主 (the members come in the order of their ids)."""
    ids = h.column(0).to_numpy()
    columns = {"hid": h.column(0), "pos": pa.array(np.arange(h.num_rows))}
    columns |= {f"h__{n}": h.column(n) for n in h.column_names[1:]}
    if y is not None:
        index = _beside(ids, y.column(0).to_numpy())
        columns |= {f"y__{n}": pc.take(y.column(n), index) for n in y.column_names[1:]}
    rows = np.flatnonzero(pc.equal(members.column("relationship"), Relationship.HEAD.value).to_numpy())
    with_head, first = np.unique(hids[rows], return_index=True)  # the first head of each household
    heads = members.take(rows[first])
    index = _beside(ids, with_head)
    columns |= {f"hd__{n}": pc.take(heads.column(n), index) for n in heads.column_names[1:]}
    return pa.table(columns)


def _beside(ids: np.ndarray, theirs: np.ndarray) -> pa.Array:
    """For each of ``ids``, the row of ``theirs`` (both ordered) holding it, null where none does."""
    at = np.searchsorted(theirs, ids)
    found = at < len(theirs)
    found[found] = theirs[at[found]] == ids[found]
    return pa.array(np.where(found, at, 0), pa.int64(), mask=~found)


class _Ordered:
    """The rows of a stream ordered by household (column 0), handed out up to a household at a time."""

    def __init__(self, reader: pa.RecordBatchReader):
        self.batches, self.schema, self.done = iter(reader), reader.schema, False
        self.rows: list[pa.RecordBatch] = []

    def upto(self, hid: int) -> pa.Table:
        while not self.done and (not self.rows or self._last() <= hid):
            more = next(self.batches, None)
            if more is None:
                self.done = True
            elif more.num_rows:
                self.rows.append(more)
        if not self.rows:
            return self.schema.empty_table()
        table = _table(self.rows)
        at = int(pc.sum(pc.less_equal(table.column(0), hid)).as_py() or 0)  # ordered: those up to hid first
        self.rows = table.slice(at).to_batches()
        return table.slice(0, at)

    def _last(self) -> int:
        last = self.rows[-1]
        return last.column(0)[last.num_rows - 1].as_py()
