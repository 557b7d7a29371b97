"""The fast path of the one-row-per-person layout: rows read in batches into columns, checked column by column.

Each column is converted and checked at once, with the same code the row path uses:
- low-cardinality columns (code lists, 是/否, whole numbers, causes, villages) once per distinct value, through
  ``reader._cell`` and the model field's own ``clean`` (what ``full_clean`` runs) and ``rules.cause_errors``;
- ID numbers with ``core.ids.parse_id_many`` (tested equal to ``parse_id_number``), names and other free text
  against the model field's length, amounts against a pattern that is at least as strict as the model field.
A household whose rows all pass, that is new, and whose people are not registered elsewhere is written by
``registry.bulk.households_insert``; every other household — a bad cell, an unusual but valid form the column
checks do not know (a 15-digit ID, "3.0" for 3), one already registered — goes through the row path, which
imports it or says exactly why not. So the row path stays the one authority on what is valid and on messages.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import DecimalValidator, MinValueValidator, RegexValidator
from django.db import connection

from jingzhun.core import audit
from jingzhun.core.ids import parse_id_many
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry import bulk, rules, yearcycle
from jingzhun.registry.choices import HouseholdStatus, Relationship
from jingzhun.registry.models import Household, HouseholdYear, Member
from jingzhun.registry.status import HISTORY_KEY, HistoryLoad, history_errors, history_load, history_note

from .layout import FLAT_COLUMNS, Column
from .reader import (
    ID_KEYS,
    NOT_CONTIGUOUS,
    Batch,
    HouseholdGroup,
    SourceRow,
    _cell,
    add_flat_row,
    household_key,
    parse_row,
)

MODELS = {"household": Household, "member": Member, "year": HouseholdYear}
PER_VALUE_KINDS = {"choice", "causes", "bool", "int"}


def model_field(column: Column):
    return MODELS[column.part]._meta.get_field(column.name)


def _keys(batch: Batch) -> pa.Array:
    """The household key of each row as the row path forms it (``no:`` 户编号, else ``head:`` head's ID)."""
    number = batch.cells["household.number"]
    head = batch.cells["household.head_id_number"]  # normalised by ``_normalise``
    return pc.coalesce(
        pc.binary_join_element_wise("no:", number, ""), pc.binary_join_element_wise("head:", head, "")
    )


def _runs(keys: pa.Array) -> np.ndarray:
    """Run number of each row: consecutive rows with the same key form one household; a row without a key is
    a household of its own (the row path explains it)."""
    codes = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes.astype(float)), -1 - np.arange(len(codes)), codes)
    starts = np.ones(len(codes), bool)
    starts[1:] = codes[1:] != codes[:-1]
    return np.cumsum(starts) - 1


def household_batches(batches: Iterator[Batch]) -> Iterator[Batch]:
    """The batches without their empty rows, cut at household boundaries (a household's rows that continue in
    the next batch are carried over to it)."""
    carry: Batch | None = None
    for batch in batches:
        filled = np.zeros(len(batch), bool)
        for column in batch.cells.values():
            filled |= column.is_valid().to_numpy(zero_copy_only=False)
        if not filled.all():
            batch = batch.take(np.flatnonzero(filled))
        if carry is not None:
            batch = carry.concat(batch)
        if len(batch) == 0:
            carry = None
            continue
        runs = _runs(_keys(batch))
        last = int(np.searchsorted(runs, runs[-1]))
        carry = batch.take(np.arange(last, len(batch)))
        if last:
            yield batch.take(np.arange(last))
    if carry is not None and len(carry):
        yield carry


@dataclass
class Checked:
    """A batch after the column checks: its households (runs of rows), which passed, and the typed values."""

    batch: Batch
    runs: np.ndarray  # run number of each row
    starts: np.ndarray  # first row of each run
    keys: list[str]  # key of each run
    ok: np.ndarray  # per run: every cell and household rule passed
    values: dict[str, pa.Array]  # column key → value typed for the database (defaults filled in)
    id_numbers: pa.Array  # normalised
    birth: np.ndarray
    sex: np.ndarray
    not_contiguous: set[int] = field(default_factory=set)  # runs whose key appeared in an earlier run


class ColumnChecker:
    """Checks batches for one import: the region answers are cached, and the keys seen so far kept (a
    household's rows must be contiguous in the file). ``check`` reads no database; ``judge_regions`` must
    follow it, in the thread that owns the connection."""

    def __init__(self, user, load: HistoryLoad | None = None, columns: tuple[Column, ...] = FLAT_COLUMNS):
        self.user = user
        self.columns = (
            columns  # the layout's columns (our keys; headers and code lists as the file gives them)
        )
        self.load = load  # a historical load: statuses accepted as history, else only 未识别
        self.keys_seen: set[str] = set()
        self.villages: dict[str, bool] = {}

    def check(self, batch: Batch) -> Checked:
        n = len(batch)
        row_ok = np.ones(n, bool) if batch.suspect is None else ~batch.suspect
        values: dict[str, pa.Array] = {}
        for column in self.columns:
            if column.kind == "computed" or column.key in ID_KEYS or column.key == "household.number":
                continue
            text = batch.cells.get(column.key, pa.nulls(n, pa.string()))
            if column.key == "household.region":
                ok, value = True, text  # judged by ``judge_regions``, which asks the database
            elif column.kind in PER_VALUE_KINDS:
                ok, value = _per_value(column, text)
            elif column.kind == "decimal":
                ok, value = _decimals(column, text)
            else:
                ok, value = _text_column(column, text)
            row_ok &= ok
            values[column.key] = value
        ids = parse_id_many(batch.cells.get("member.id_number", pa.nulls(n, pa.string())))
        row_ok &= ids.ok
        counts = pc.value_counts(ids.number)  # one person twice in the batch: the row path explains it
        repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        row_ok &= ~pc.is_in(ids.number, repeated).to_numpy(zero_copy_only=False)
        head_id = batch.cells.get("household.head_id_number", pa.nulls(n, pa.string()))
        row_ok &= ~pc.fill_null(pc.match_substring(head_id, "*"), False).to_numpy(zero_copy_only=False)
        number = batch.cells.get("household.number", pa.nulls(n, pa.string()))
        number_ok = pc.and_(
            pc.match_substring_regex(number, r"^[0-9]{17}$"),
            pc.equal(pc.utf8_slice_codeunits(number, 0, 12), values["household.region"]),
        )
        row_ok &= pc.fill_null(number_ok, False).to_numpy(zero_copy_only=False) | number.is_null().to_numpy(
            zero_copy_only=False
        )
        values["household.number"] = number
        row_ok &= _causes_ok(batch, values)
        row_ok &= _status_ok(values, self.load)
        row_ok &= _dividend_ok(values)
        keys = _keys(batch)
        row_ok &= keys.is_valid().to_numpy(zero_copy_only=False)

        runs = _runs(keys)
        starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
        ok = np.ones(len(starts), bool)
        np.logical_and.at(ok, runs, row_ok)
        is_head = pc.equal(values["member.relationship"], Relationship.HEAD.value)
        heads = np.bincount(runs, weights=pc.fill_null(is_head, False).to_numpy(zero_copy_only=False))
        ok &= heads == 1
        run_keys = keys.take(pa.array(starts)).to_pylist()
        not_contiguous = set()
        for r, key in enumerate(run_keys):
            if key is None:
                continue
            if key in self.keys_seen:
                not_contiguous.add(r)
                ok[r] = False
            self.keys_seen.add(key)
        return Checked(batch, runs, starts, run_keys, ok, values, ids.number, ids.birth_date, ids.sex,
                       not_contiguous)  # fmt: skip

    def judge_regions(self, checked: Checked) -> None:
        """Fail the households whose village is unknown, not a village or outside the user's scope. Kept out
        of ``check`` so that ``check`` never touches the database and can run ahead in another thread."""
        ok, _text = self._regions(checked.batch.cells.get("household.region", pa.nulls(len(checked.batch))))
        np.logical_and.at(checked.ok, checked.runs, ok)
        np.logical_and.at(checked.ok, checked.runs, _open_years(checked))

    def _regions(self, text: pa.Array) -> tuple[np.ndarray, pa.Array]:
        codes = [c for c in pc.unique(text).to_pylist() if c is not None and c not in self.villages]
        if codes:
            levels = dict(Region.objects.filter(code__in=codes).values_list("code", "level"))
            for code in codes:
                in_scope = self.user is None or self.user.in_scope(code)
                self.villages[code] = levels.get(code) == RegionLevel.VILLAGE and in_scope
        good = [code for code, ok in self.villages.items() if ok]
        ok = pc.fill_null(pc.is_in(text, pa.array(good, pa.string())), False)
        return ok.to_numpy(zero_copy_only=False), text


def _open_years(checked: Checked) -> np.ndarray:
    """Rows whose yearly record falls in a year its county has closed (``registry.yearcycle``): left to the row
    path, which refuses them. One query per batch, over its distinct (village, year) pairs."""
    n = len(checked.batch)
    villages = checked.batch.cells.get("household.region", pa.nulls(n, pa.string()))
    years = checked.values["year.year"]
    pairs = pa.table({"v": villages, "y": years}).group_by(["v", "y"]).aggregate([]).to_pylist()
    frozen = yearcycle.frozen_pairs((p["v"], p["y"]) for p in pairs if p["v"] and p["y"])
    if not frozen:
        return np.ones(n, bool)
    key = lambda county, year: pc.binary_join_element_wise(county, year, "|")  # noqa: E731
    closed = pa.array([f"{c[:6]}|{y}" for c, y in frozen], pa.string())
    rows = key(pc.utf8_slice_codeunits(villages, 0, 6), years.cast(pa.string()))
    return ~pc.fill_null(pc.is_in(rows, closed), False).to_numpy(zero_copy_only=False)


def _default(column: Column):
    value = model_field(column).get_default()
    if column.kind == "causes":
        return json.dumps(value or [])
    return str(value) if column.kind == "decimal" else value


ARROW_TYPES = {"bool": pa.bool_(), "int": pa.int64()}


def _per_value(column: Column, text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Convert and check each distinct value once, exactly as the row path and ``full_clean`` would."""
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary.to_pylist()
    model = model_field(column)
    ok_of, value_of = [], []
    for raw in [*distinct, None]:  # the last one stands for an empty cell
        row = SourceRow(sheet="", number=0)
        value = _cell(column, raw, row)
        good = not row.errors
        if good and value is not None and column.kind != "causes":
            try:
                model.clean(value, None)
            except ValidationError:
                good = False
        if value is None or (column.kind == "bool" and raw is None):
            value = _default(column)
        elif column.kind == "causes":
            value = json.dumps(value)
        ok_of.append(good)
        value_of.append(value)
    codes = encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False)
    typed = pa.array(value_of, ARROW_TYPES.get(column.kind, pa.string()))
    return np.array(ok_of, bool)[codes], typed.take(pa.array(codes))


def _decimals(column: Column, text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    model = model_field(column)
    known = all(
        isinstance(v, DecimalValidator) or (isinstance(v, MinValueValidator) and v.limit_value == 0)
        for v in model.validators
    )
    if not known:  # a rule the pattern below does not express: judge each value like the row path
        return _per_value(column, text)
    whole = model.max_digits - model.decimal_places
    pattern = rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{model.decimal_places}}})?$"
    ok = pc.fill_null(pc.match_substring_regex(text, pattern), True)
    if column.required:
        ok = pc.and_(ok, text.is_valid())
    default = model.get_default()
    value = text if default is None else pc.fill_null(text, str(default))
    return ok.to_numpy(zero_copy_only=False), value


def _text_column(column: Column, text: pa.Array) -> tuple[np.ndarray, pa.Array]:
    model = model_field(column)
    ok = pc.less_equal(pc.utf8_length(text), model.max_length)
    for (
        rule
    ) in model.validators:  # a pattern (联系电话) is checked on the whole column, as full_clean would per row
        if isinstance(rule, RegexValidator) and not rule.inverse_match:
            ok = pc.and_kleene(ok, pc.match_substring_regex(text, rule.regex.pattern))
    ok = pc.and_kleene(ok, pc.invert(pc.match_substring(text, "\x00")))
    ok = pc.fill_null(ok, not column.required and model.blank)
    return ok.to_numpy(zero_copy_only=False), pc.fill_null(text, model.get_default() or "")


def _causes_ok(batch: Batch, values: dict[str, pa.Array]) -> np.ndarray:
    """``rules.cause_errors`` once per distinct (main cause, other causes) pair."""
    main, other = values["household.main_cause"], values["household.other_causes"]
    pairs = pc.binary_join_element_wise(pc.fill_null(main, ""), other, "\x1f")
    encoded = pc.dictionary_encode(pairs)
    verdicts = []
    for pair in encoded.dictionary.to_pylist():
        main_cause, others = pair.split("\x1f")
        verdicts.append(not rules.cause_errors(main_cause, json.loads(others)))
    return np.array(verdicts, bool)[encoded.indices.to_numpy(zero_copy_only=False)]


def _status_ok(values: dict[str, pa.Array], load: HistoryLoad | None) -> np.ndarray:
    """Outside a historical load a new household arrives 未识别 without 识别年度 or 脱贫年度 (the row path refuses the
    rest, saying why); in one, ``status.history_errors`` once per distinct (status, 识别年度, 脱贫年度)."""
    status, exit_year = values["household.status"], values["household.exit_year"]
    if load is None:
        ok = pc.and_(pc.equal(status, HouseholdStatus.UNIDENTIFIED.value),
                     pc.and_(exit_year.is_null(), values["household.identified_year"].is_null()))  # fmt: skip
        return pc.fill_null(ok, False).to_numpy(zero_copy_only=False)
    as_text = lambda years: pc.fill_null(years.cast(pa.string()), "")  # noqa: E731
    keys = pc.binary_join_element_wise(
        status, as_text(values["household.identified_year"]), as_text(exit_year), "\x1f"
    )
    encoded = pc.dictionary_encode(keys)
    verdicts = []
    for key in encoded.dictionary.to_pylist():
        code, identified, exited = key.split("\x1f")
        years = [int(y) if y else None for y in (identified, exited)]
        verdicts.append(not history_errors(code, *years, load.as_of))
    return np.array(verdicts, bool)[encoded.indices.to_numpy(zero_copy_only=False)]


def _dividend_ok(values: dict[str, pa.Array]) -> np.ndarray:
    """资产收益扶贫分红 is part of 财产性收入 (cf. ``registry.services._apply_years``)."""
    as_number = lambda key: pc.cast(  # noqa: E731
        pc.if_else(pc.match_substring_regex(values[key], r"^[0-9.]+$"), values[key], "0"), pa.float64()
    )
    ok = pc.less_equal(as_number("year.property_dividend"), as_number("year.property_income"))
    return pc.fill_null(ok, True).to_numpy(zero_copy_only=False)


def new_households(checked: Checked, runs: np.ndarray) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The insert tables (see ``bulk.households_insert``) of ``runs``, which passed every check."""
    values = checked.values
    rows = np.flatnonzero(np.isin(checked.runs, runs))
    owner = np.searchsorted(runs, checked.runs[rows])  # the household's row in the households table
    first = pa.array(checked.starts[runs])
    sizes = np.bincount(owner, minlength=len(runs))
    heads = rows[pc.equal(values["member.relationship"].take(pa.array(rows)), Relationship.HEAD.value)
                 .to_numpy(zero_copy_only=False)]  # fmt: skip
    head_name = values["member.name"].take(pa.array(heads))  # one head per household, in run order

    def part(name: str, take: pa.Array) -> dict[str, pa.Array]:
        return {c.name: values[c.key].take(take) for c in FLAT_COLUMNS if c.part == name and c.key in values}

    household = part("household", first) | {
        "region_id": values["household.region"].take(first),
        "head_name": head_name,
        "member_count": pa.array(sizes, pa.int64()),
    }
    del household["region"]
    household.pop("head_id_number", None)
    member_rows = pa.array(rows)
    member = part("member", member_rows) | {
        "household": pa.array(owner, pa.int64()),
        "id_number": checked.id_numbers.take(member_rows),
        "sex": pa.array(checked.sex[rows], pa.string()),
        "birth_date": pa.array(checked.birth[rows], pa.date32()),
        "is_active": pa.array(np.ones(len(rows), bool)),
    }
    has_year = values["year.year"].take(first).is_valid().to_numpy(zero_copy_only=False)
    with_year = np.flatnonzero(has_year)
    year = part("year", pa.array(checked.starts[runs][with_year])) | {
        "household": pa.array(with_year, pa.int64()),
        "household_size": pa.array(sizes[with_year], pa.int64()),
    }
    return pa.table(household), pa.table(member), pa.table(year)


def origins(checked: Checked, runs: np.ndarray, job) -> pa.Array:
    """Per household of ``runs``: its audit entry's changes, which refer to ``job``'s stored file and the rows
    the household was read from (they are contiguous: a split household goes to the row path)."""
    ends = np.r_[checked.starts[1:], len(checked.batch)]
    first = checked.batch.numbers[checked.starts[runs]]
    last = checked.batch.numbers[ends[runs] - 1]
    load = history_load()  # marked as such: 历史数据载入 (the import's key stays last, for the rows below)
    marks = {HISTORY_KEY: [None, history_note(load)]} if load else {}
    head = json.dumps(
        {**marks, audit.IMPORT_KEY: [None, {"job": job.pk, "file": job.original_name}]}, ensure_ascii=False
    )
    prefix = head[: -len("}]}")] + ', "rows": ['
    as_text = lambda numbers: pa.array(numbers).cast(pa.string())  # noqa: E731
    return pc.binary_join_element_wise(prefix, as_text(first), ", ", as_text(last), "]}]}", "")


def slow_groups(
    checked: Checked, runs: Iterable[int], index: dict[int, Column], sheet: str
) -> list[HouseholdGroup]:
    """``runs`` parsed by the row path, as ``HouseholdGroup`` objects for ``rows.import_chunk``."""
    groups = []
    batch = checked.batch
    named = {c.name: c.header for c in index.values() if c.header != c.name}
    ends = np.r_[checked.starts[1:], len(batch)]
    for r in runs:
        group = None
        for i in range(checked.starts[r], ends[r]):
            parsed = parse_row(sheet, int(batch.numbers[i]), batch.raw_row(i, index), index)
            if parsed is None:
                continue
            row, cells = parsed
            if group is None:
                group = HouseholdGroup(key=household_key(cells, row), headers=named)
                if r in checked.not_contiguous:
                    row.errors.append(NOT_CONTIGUOUS.format(n=row.number))
            add_flat_row(group, row, cells)
        if group is not None:
            groups.append(group)
    return groups


@dataclass
class Registered:
    """``registered_elsewhere``'s answer: the runs that may be updates, and the households it found them by."""

    runs: np.ndarray
    by_id_number: dict[str, int]  # active ID number → its household
    by_number: dict[str, int]  # 户编号 → its household


def registered_elsewhere(checked: Checked, runs: np.ndarray) -> Registered:
    """Of ``runs`` (all passed), those whose 户编号 is taken or one of whose people is active in a household:
    they may be updates of registered households (``unchanged`` tells), which the row path handles."""
    rows = np.flatnonzero(np.isin(checked.runs, runs))
    ids = checked.id_numbers.take(pa.array(rows)).to_pylist()
    active = bulk.active_households(ids)
    used: dict[str, int] = {}
    hit = set()
    if active:
        mask = pc.is_in(checked.id_numbers.take(pa.array(rows)), pa.array(list(active))).to_numpy(
            zero_copy_only=False
        )
        hit.update(checked.runs[rows[mask]].tolist())
    numbers = checked.values["household.number"].take(pa.array(checked.starts[runs]))
    given = [n for n in numbers.to_pylist() if n]
    if given:
        used = bulk.used_numbers(given)
        if used:
            mask = pc.fill_null(pc.is_in(numbers, pa.array(list(used))), False).to_numpy(zero_copy_only=False)
            hit.update(runs[mask].tolist())
    return Registered(np.array(sorted(hit), dtype=np.int64), active, used)


# --- households a re-import would not change, found set-based (what rows._same decides one by one) --------

_COMPARED = {  # per part: the file's columns that _same compares (number/head ID are keys; computed are derived)
    part: [c for c in FLAT_COLUMNS if c.part == part and c.kind != "computed"
           and c.key not in ("household.number", "household.head_id_number", "member.id_number", "year.year",
                             "year.household_size")]
    for part in ("household", "member", "year")
}  # fmt: skip


def _incoming(checked: Checked, column: Column, rows: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The file's values of ``column`` at ``rows`` as ``_cell`` gives them, and where ``_same`` compares them
    (an empty cell is None there, not compared — except 是/否 (False) and 其他致贫原因 ([]))."""
    take = pa.array(rows, pa.int64())
    given = checked.batch.cells[column.key].take(take).is_valid().to_numpy(zero_copy_only=False)
    value = checked.values[column.key].take(take)
    if column.kind == "bool":
        value = pc.if_else(pa.array(given), value, False)
        given = np.ones(len(rows), bool)
    elif column.kind == "causes":
        given = np.ones(len(rows), bool)
    field = model_field(column)
    if field.get_internal_type() == "DecimalField":
        value = value.cast(pa.decimal128(field.max_digits, field.decimal_places))
    return value, given


def _stored(column: Column, values: list, kind: pa.DataType) -> pa.Array:
    """Stored values as read by ``raw_values`` (the driver's types: SQLite gives floats for decimals, 0/1 for
    booleans and JSON as text) in the Arrow type of the file's column."""
    if column.kind == "causes":
        return pa.array([v if isinstance(v, str) else json.dumps(v) for v in values], pa.string())
    if pa.types.is_decimal(kind):
        plain = pa.array([float(v) if v is not None else None for v in values], pa.float64())
        return pc.round(plain, kind.scale).cast(kind, safe=False)  # money: two decimals, far below 2**53
    if pa.types.is_boolean(kind):
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    return pa.array(values, kind)


def raw_values(queryset, *fields) -> list[tuple]:
    """``queryset.values_list(*fields)`` without Django's per-value converters (on SQLite, 570,000 Decimal
    conversions were 2.3 s of a 100,000-person re-import); ``_stored`` types the columns in Arrow instead."""
    try:
        sql, params = queryset.values_list(*fields).query.sql_with_params()
    except EmptyResultSet:  # an empty IN list: nothing to read
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _compare(checked: Checked, part: str, rows: np.ndarray, stored: list[tuple], offset: int) -> np.ndarray:
    """Per row of ``rows``: every compared cell equals ``stored`` (tuples aligned with rows, columns from
    ``offset``)."""
    ok = np.ones(len(rows), bool)
    columns = list(zip(*stored, strict=True)) if stored else []
    for j, column in enumerate(_COMPARED[part]):
        value, given = _incoming(checked, column, rows)
        same = pc.fill_null(pc.equal(value, _stored(column, list(columns[offset + j]), value.type)), False)
        ok &= same.to_numpy(zero_copy_only=False) | ~given
    return ok


def _registered(checked: Checked, registered: Registered) -> np.ndarray:
    """The id of the registered household each run matches (by 户编号, else by the head's active ID number, as
    ``rows._existing``), -1 where none does — from what ``registered_elsewhere`` already found."""
    first = pa.array(checked.starts[registered.runs])
    numbers = checked.values["household.number"].take(first).to_pylist()
    heads = checked.batch.cells["household.head_id_number"].take(first).to_pylist()
    return np.array(
        [registered.by_number.get(n, -1) if n else registered.by_id_number.get(h or "", -1)
         for n, h in zip(numbers, heads, strict=True)],
        np.int64,
    )  # fmt: skip


def _members_same(checked: Checked, runs: np.ndarray, hid: np.ndarray) -> np.ndarray:
    """Per run: its people are exactly the household's active members, each with the same values."""
    same = np.ones(len(runs), bool)
    rows = np.flatnonzero(np.isin(checked.runs, runs))
    position = np.searchsorted(runs, checked.runs[rows])  # the run (in ``runs``) of each row
    names = [c.name for c in _COMPARED["member"]]
    kept = raw_values(
        bulk.among(Member.objects.filter(is_active=True), "household_id", hid.tolist()),
        "household_id", "id_number", *names,
    )  # fmt: skip
    if not kept:
        return np.zeros(len(runs), bool)
    at = pc.index_in(
        checked.id_numbers.take(pa.array(rows)), value_set=pa.array([m[1] for m in kept], pa.string())
    )
    known = at.is_valid().to_numpy(zero_copy_only=False)
    at = at.fill_null(0).to_numpy(zero_copy_only=False)
    owner = np.array([m[0] for m in kept], np.int64)
    row_ok = known & (owner[at] == hid[position])
    row_ok &= _compare(checked, "member", rows, [kept[i] for i in at], 2)
    np.logical_and.at(same, position, row_ok)
    counts = Counter(owner.tolist())  # an active member stored but not in the file would be removed: a change
    same &= np.array([counts.get(h, 0) for h in hid.tolist()]) == np.bincount(position, minlength=len(runs))
    return same


def _year_same(checked: Checked, first: np.ndarray, hid: np.ndarray) -> np.ndarray:
    """Per run: the year on its first row (if any) is stored for the household with the same values."""
    same = np.ones(len(first), bool)
    year = checked.values["year.year"].take(pa.array(first))
    has_year = year.is_valid().to_numpy(zero_copy_only=False)
    if not has_year.any():
        return same
    names = [c.name for c in _COMPARED["year"]]
    stored = HouseholdYear.objects.filter(year__in=sorted(set(year.drop_null().to_pylist())))
    records = {
        (r[0], r[1]): r
        for r in raw_values(
            bulk.among(stored, "household_id", hid[has_year].tolist()), "household_id", "year", *names
        )
    }
    with_year = np.flatnonzero(has_year)
    years = year.to_pylist()
    found = np.array([(hid[i], years[i]) in records for i in with_year], bool)
    same[with_year[~found]] = False
    ok_rows = with_year[found]
    if len(ok_rows):
        same[ok_rows] &= _compare(
            checked, "year", first[ok_rows], [records[(hid[i], years[i])] for i in ok_rows], 2
        )
    return same


def unchanged(checked: Checked, registered: Registered, user) -> np.ndarray:
    """Of the runs ``registered_elsewhere`` found, those matching a registered household in ``user``'s scope that
    writing them would not change — what ``rows._existing`` + ``rows._same`` decide household by
    household, here in a few queries per batch and compared column by column (a re-import of an unchanged file
    then costs about what a fresh import does instead of ~8×). Households outside the scope are left to the
    row path, which explains the refusal."""
    runs = registered.runs
    if not len(runs):
        return runs
    hid = _registered(checked, registered)
    scoped = Household.objects.for_user(user, "change") if user is not None else Household.objects.all()
    names = ["region_id" if c.name == "region" else c.name for c in _COMPARED["household"]]
    stored = {r[0]: r for r in raw_values(bulk.among(scoped, "id", hid[hid >= 0].tolist()), "id", *names)}
    found = np.array([h in stored for h in hid.tolist()], bool)
    runs, hid = runs[found], hid[found]
    if not len(runs):
        return runs
    first = checked.starts[runs]
    same = _compare(checked, "household", first, [stored[h] for h in hid], 1)
    same &= _members_same(checked, runs, hid)
    same &= _year_same(checked, first, hid)
    return runs[same]
