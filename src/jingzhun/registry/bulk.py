"""Registering many new households at once, set-based: the write half of the fast import path.

``households_insert`` takes households, members and yearly records as pyarrow tables whose values the caller
has already validated with the registry's own rules (``imports.columnar`` does it per distinct value with the
model fields and ``rules``, and vectorised for ID numbers), and writes them the way
``services.households_register`` does — 户编号 continuing each village's sequence, one audit entry per
household, village tallies recomputed — but with PostgreSQL ``COPY`` (or one SQLite ``executemany`` per table).
The audit entry of a household written here refers to the stored import file and rows it came from instead of
copying the card (docs/decisions.md #12): a copy was half the cost of an import.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit, crypto
from jingzhun.core.bulkwrite import (
    Rows,
    append_prepared,
    append_rows,
    prepare_rows,
    references_vouched_for,
    update_rows,
    with_defaults,
)
from jingzhun.core.ids import normalize_identifier
from jingzhun.core.masking import mask_card
from jingzhun.core.models import AuditAction, AuditLog
from jingzhun.regions.models import Region

from .choices import HouseholdStatus
from .models import Household, HouseholdYear, Member, StatusChange, StatusSource
from .services import household_numbers, refresh_tallies
from .status import HISTORY_ROUTE, HistoryLoad, history_load

TEXT = pa.string()
User = get_user_model()
SQLITE_CHUNK = 5000  # values per IN (...) list; SQLite allows 32,766 parameters


def active_households(numbers: list[str]) -> dict[str, int]:
    """The ID numbers among ``numbers`` that are active in some household (anywhere in the country), with it."""
    table, found = Member._meta.db_table, {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id_number, household_id FROM {table} WHERE is_active AND id_number = ANY(%s)",
                [numbers],
            )
            return dict(cursor.fetchall())
        for start in range(0, len(numbers), SQLITE_CHUNK):
            part = numbers[start : start + SQLITE_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT id_number, household_id FROM {table} WHERE is_active AND id_number IN ({marks})",
                part,
            )
            found.update(cursor.fetchall())
    return found


def among(queryset, field: str, values: list):
    """``queryset`` narrowed to rows whose ``field`` is one of ``values``. On PostgreSQL one array parameter
    (``= ANY``): a 5,000-value ``IN (…)`` costs Django and psycopg more than the query itself (measured: 1.2 s of
    a 100,000-person re-import). Elsewhere ``IN``; callers keep lists under ``SQLITE_CHUNK``."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{field}__in": values})
    model = queryset.model
    column = model._meta.get_field(field).column
    return queryset.extra(where=[f'"{model._meta.db_table}"."{column}" = ANY(%s)'], params=[list(values)])


def used_numbers(numbers: list[str]) -> dict[str, int]:
    """The 户编号 among ``numbers`` that some household already has, with its id."""
    found: dict[str, int] = {}
    for start in range(0, len(numbers), SQLITE_CHUNK):
        part = numbers[start : start + SQLITE_CHUNK]
        found.update(among(Household.objects.all(), "number", part).values_list("number", "id"))
    return found


# The foreign keys of the rows ``households_insert`` writes, all of which it vouches for (``_hold``): a household's
# village, a member's and a year's household (written in the same call) and the audit entry's actor. A test
# holds this list to the models, so a new foreign key cannot go unchecked.
VOUCHED = {
    Household: ["region"], Member: ["household"], HouseholdYear: ["household"], StatusChange: ["household", "actor"],
    AuditLog: ["actor"],
}  # fmt: skip


def _hold(villages: set[str], actor_id: int | None) -> None:
    """Lock the villages and the acting user until the commit (neither can be deleted meanwhile) and make sure
    they exist — the check PostgreSQL's foreign-key triggers would have made, once per batch instead of per row.
    A missing one raises IntegrityError, as the triggers would have."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {Region._meta.db_table} WHERE code = ANY(%s) FOR KEY SHARE) held",
            [sorted(villages)],
        )
        missing = len(villages) - cursor.fetchone()[0]
        if actor_id is not None:
            cursor.execute(f"SELECT 1 FROM {User._meta.db_table} WHERE id = %s FOR KEY SHARE", [actor_id])
            missing += cursor.fetchone() is None
    if missing:
        raise IntegrityError("导入引用的村或用户已不存在。")


def _new_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, reserved before the rows are written (so children can refer to them)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence is looked up once, not per id (that took 0.7 s of a 300,000-household import), and
            # the ids usually form one unbroken run, of which only the ends travel.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            drawn = "SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)"
            cursor.execute(f"SELECT min(id), max(id) FROM ({drawn}) drawn", [sequence, count])
            first, last = cursor.fetchone()
            if last - first + 1 == count:
                return list(range(first, last + 1))
            # Another session drew from the sequence meanwhile: draw again, keeping every id (gaps are harmless).
            cursor.execute(drawn, [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write lock is held (transactions begin IMMEDIATE); AUTOINCREMENT never reuses an id.
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))",
            [table],
        )
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


def _typed(model, table: pa.Table) -> pa.Table:
    """Amounts as decimals of their field's precision (so "3000" is stored as "3000.00")."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        field = model._meta.get_field(name) if name != "household" else None
        if (
            field is not None
            and field.get_internal_type() == "DecimalField"
            and pa.types.is_string(column.type)
        ):
            column = column.cast(pa.decimal128(field.max_digits, field.decimal_places))
        columns[name] = column
    return pa.table(columns)


def _as_text(table: pa.Table) -> pa.Table:
    """Dates and decimals as their canonical text, which both databases read back exactly."""
    return pa.table(
        {
            name: column.cast(pa.string())
            if pa.types.is_date(column.type) or pa.types.is_decimal(column.type)
            else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _audit_entries(
    households: pa.Table, origin: pa.Array, stamp: str, who: dict, action: str = AuditAction.CREATE
) -> pa.Table:
    """One entry per household (``id``, ``number``, ``head_name``, ``region_id``) whose changes are ``origin``
    (JSON text): for a create, where its card came from; ``who`` is ``audit.actor_fields()``."""
    n = households.num_rows
    ids = households.column("id").cast(pa.string())
    constant = lambda value, kind=TEXT: pa.array([value] * n, kind)  # noqa: E731
    return pa.table(
        {
            "at": constant(stamp),
            "actor_id": constant(who["actor"].pk if who["actor"] else None, pa.int64()),
            "actor_label": constant(who["actor_label"]),
            "source": constant(who["source"]),
            "ip": constant(who["ip"]),
            "action": constant(str(action)),
            "model": constant(Household._meta.label_lower),
            "object_id": ids,
            "object_repr": pc.utf8_slice_codeunits(
                pc.binary_join_element_wise(households.column("number"), households.column("head_name"), " "),
                0,
                200,
            ),
            "root": pc.binary_join_element_wise("registry.household:", ids, ""),
            "region_code": households.column("region_id"),
            "changes": origin,
        }
    )


def _now() -> str:
    """This moment as a timestamp column's text for the database in use (what ``append_rows`` writes)."""
    now = dt.datetime.now(dt.UTC)
    return now.isoformat() if connection.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")


def _status_rows(households: pa.Table, stamp: str, who: dict, load: HistoryLoad | None) -> pa.Table:
    """The status history a historical load writes for new households (``status.HISTORY_ROUTE``: each step
    counted in the year its field holds, else the data year), as ``status.status_loaded`` does row by row.
    Outside a load there is none: new households arrive 未识别 (the column checks send others to the row
    path, which refuses them)."""
    parts = []
    status = households.column("status")
    for to, route in HISTORY_ROUTE.items() if load else ():
        arrived = households.filter(pc.equal(status, to))
        n = arrived.num_rows
        if not n:
            continue
        constant = lambda value, kind=TEXT, n=n: pa.array([value] * n, kind)  # noqa: E731
        for origin, target, field in route:
            year = constant(load.as_of, pa.int64())
            if field in arrived.column_names:
                year = pc.coalesce(arrived.column(field).cast(pa.int64()), year)
            parts.append(pa.table({
                "household_id": arrived.column("id"),
                "from_status": constant("" if origin == HouseholdStatus.UNIDENTIFIED else origin),
                "to_status": constant(target),
                "effective_on": pc.binary_join_element_wise(year.cast(TEXT), "-12-31", ""),  # status.year_end
                "business_year": year,
                "reason": constant(""),
                "source": constant(StatusSource.HISTORICAL.value),
                "reference": constant(load.reference),
                "actor_id": constant(who["actor"].pk if who["actor"] else None, pa.int64()),
                "at": constant(stamp),
            }))  # fmt: skip
    return pa.concat_tables(parts) if parts else None


def _dependants(ids, households, members, years, origin, stamp, who, load, vendor) -> list[tuple[type, Rows]]:
    """The rows of members, years, status history and audit entries of households ``ids``, ready to append;
    no database."""
    ready = []
    # Members and years take their ids from the database: nothing refers to them yet.
    for model, table in ((Member, members), (HouseholdYear, years)):
        table = _typed(model, table)
        table = table.append_column("household_id", pc.take(ids, table.column("household")))
        ready.append(
            (model, prepare_rows(with_defaults(model, _as_text(table.drop_columns(["household"]))), vendor))
        )
    history = _status_rows(households, stamp, who, load)
    if history is not None:
        ready.append((StatusChange, prepare_rows(history, vendor)))
    ready.append((AuditLog, prepare_rows(_audit_entries(households, origin, stamp, who), vendor)))
    return ready


def households_insert(
    *,
    user,
    households: pa.Table,
    members: pa.Table,
    years: pa.Table,
    origin: pa.Array,
    tallies: bool = True,
    tops: dict[str, int] | None = None,
) -> list[int]:
    """Write validated new households with their members and years; returns the new households' ids.

    ``households`` holds Household columns (``region_id``, ``number`` — null for a new number —, the choices,
    ``other_causes`` as JSON text, ``head_name``, ``member_count``…); ``members`` and ``years`` hold their
    model's columns plus ``household``, the row index of their household in ``households``. ``origin`` holds,
    per household, the JSON its audit entry records instead of a copy of the card: the stored file and the
    rows it was read from (docs/decisions.md #12) — the file is the "after" of the create.
    Call inside a transaction: the writes, the audit and the tallies land together or not at all (a caller
    writing many batches in one transaction may pass ``tallies=False`` and call ``refresh_tallies`` once, and
    ``tops`` to remember each village's highest 户编号 between batches, see ``household_numbers``).
    """
    permissions.require(user, "change")
    regions = households.column("region_id").to_pylist()
    numbers = household_numbers(regions, households.column("number").to_pylist(), tops)
    stamp = _now()
    households = households.set_column(
        households.schema.get_field_index("number"), "number", pa.array(numbers)
    )
    households = households.append_column(
        "id", pa.array(_new_ids(Household, households.num_rows), pa.int64())
    )
    ids = households.column("id")
    stamps = pa.array([stamp] * len(ids), pa.string())
    who = (
        audit.actor_fields()
    )  # read here: the acting user and a historical load are known to this thread only
    load = history_load()
    with (
        ThreadPoolExecutor(1, thread_name_prefix="bulk-prepare") as helper,
        references_vouched_for(VOUCHED) as vouched,
    ):
        # The other tables' rows are made ready while the database stores the households (5 % of an import).
        dependants = helper.submit(_dependants, ids, households, members, years, origin, stamp, who, load,
                                   connection.vendor)  # fmt: skip
        if vouched:
            _hold(set(regions), who["actor"].pk if who["actor"] else None)
        append_rows(
            Household,
            with_defaults(
                Household, households.append_column("created_at", stamps).append_column("updated_at", stamps)
            ),
        )
        for model, rows in dependants.result():
            append_prepared(model, rows)
    if tallies:
        refresh_tallies(set(regions))
    return ids.to_pylist()


@transaction.atomic
def household_bank_accounts_load(*, user, accounts: dict[int, tuple[str, str]]) -> int:
    """The 一卡通 accounts of many households at once (the national files' 开户银行名称 and 银行卡号, checked by the
    importer): ``accounts`` maps a household id to (bank, number). Each number is encrypted with its keyed digest
    (a per-value operation by nature); the changed ones are written in one set-based update
    (``core.bulkwrite.update_rows``) with one masked audit entry each, appended as one table. Unchanged accounts
    are found by their digest, so stored numbers are decrypted only for the audit of those that change. Only a
    reader who may set accounts writes them (``user`` None: a command); returns how many changed."""
    if user is not None:
        permissions.require(user, "set_bank_account", what=_("登记一卡通账户"))
    rows = Household.objects.filter(pk__in=list(accounts)).exclude(status=HouseholdStatus.CANCELLED)
    if user is not None:
        rows = rows.filter(pk__in=Household.objects.for_user(user, "set_bank_account").values("pk"))
    changed = []  # (id, region, number, head, stored bank, new bank, new number, its digest)
    for pk, region, number, head, bank, stored in rows.values_list(
        "id", "region_id", "number", "head_name", "bank_name", "bank_account_digest"
    ):
        name, account = accounts[pk][0].strip(), normalize_identifier(accounts[pk][1])
        if (bank, stored) != (name, digest := crypto.digest(account)):
            changed.append((pk, region, number, head, bank, name, account, digest))
    if not changed:
        return 0
    ids, regions, numbers, heads, banks, names, plain, digests = (list(c) for c in zip(*changed, strict=True))
    olds = dict(
        Household.objects.filter(pk__in=ids).exclude(bank_account_digest="").values_list("id", "bank_account")
    )  # the numbers being replaced, decrypted for the masked "before" only
    changes = [
        json.dumps(audit.diff({"bank_name": bank, "bank_account": mask_card(olds.get(pk, ""))},
                              {"bank_name": name, "bank_account": mask_card(account)}), ensure_ascii=False)
        for pk, bank, name, account in zip(ids, banks, names, plain, strict=True)
    ]  # fmt: skip
    encrypted = Household._meta.get_field("bank_account")
    households = pa.table({"id": pa.array(ids, pa.int64()), "number": pa.array(numbers, TEXT),
                          "head_name": pa.array(heads, TEXT), "region_id": pa.array(regions, TEXT)})  # fmt: skip
    update_rows(Household, pa.table({
        "id": households.column("id"),
        "bank_name": pa.array(names, TEXT),
        "bank_account": pa.array([encrypted.get_db_prep_save(a, connection) for a in plain], TEXT),
        "bank_account_digest": pa.array(digests, TEXT),
    }))  # fmt: skip
    who = audit.actor_fields()
    append_rows(
        AuditLog, _audit_entries(households, pa.array(changes, TEXT), _now(), who, AuditAction.UPDATE)
    )
    return len(changed)
