"""The money of a year written beside the registry's yearly snapshot, in the same Parquet layout (hive partitions
by province for the big table, one file for the small ones), for the supervision rules on DuckDB and Spark
(``alerts_sql``).

Each table is one set-based query of the database read as Arrow record batches (``core.arrowsql``: ADBC on
PostgreSQL), so memory stays at a batch whatever the number of payments. What the rules need from other tables
is joined in here, once, by the database: a payment carries its project's acceptance date, an allocation the last
day a payment was entered on it, a cadre the households it belongs to (the list's household, or the household of
an active member with the cadre's ID number — no ID number leaves the database), an exited household its income
of the year and of the year before. Dates are the local dates (``TIME_ZONE``), as the database path compares them.

``analytics.snapshot.write_snapshot`` calls ``write_funds`` for every snapshot; ``jingzhun funds-alerts --export``
writes them into an existing snapshot.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.db.models import CharField, Exists, F, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Substr, TruncDate

from jingzhun.core.arrowsql import arrow_reader
from jingzhun.registry.choices import HouseholdStatus, MemberChangeKind
from jingzhun.registry.models import HouseholdYear, Member, MemberChange, StatusChange

from .models import Allocation, Payment, VillageCadre

MONEY = pa.decimal128(18, 2)

# fmt: off
SCHEMAS: dict[str, pa.Schema] = {
    "fund_payments": pa.schema([
        ("id", pa.int64()), ("village", pa.string()), ("province", pa.string()), ("year", pa.int64()),
        ("kind", pa.string()), ("stage", pa.string()), ("status", pa.string()), ("allocation_id", pa.int64()),
        ("household_id", pa.int64()), ("household_number", pa.string()), ("member_id", pa.int64()),
        ("project_id", pa.int64()), ("project_name", pa.string()), ("project_accepted_on", pa.date32()),
        ("account_digest", pa.string()), ("amount", MONEY), ("created_on", pa.date32()),
        ("household_size", pa.int64()),
    ]),
    "fund_allocations": pa.schema([
        ("id", pa.int64()), ("region", pa.string()), ("level", pa.int64()), ("fund_year", pa.int64()),
        ("fund_title", pa.string()), ("amount", MONEY), ("balance", MONEY), ("arrived_on", pa.date32()),
        ("last_paid_on", pa.date32()),
    ]),
    "fund_cadres": pa.schema([
        ("id", pa.int64()), ("village", pa.string()), ("name", pa.string()), ("post", pa.string()),
        ("household_id", pa.int64()),
    ]),
    "fund_events": pa.schema([
        ("kind", pa.string()), ("household_id", pa.int64()), ("member_id", pa.int64()),
        ("effective_on", pa.date32()),
    ]),
    "fund_exits": pa.schema([
        ("household_id", pa.int64()), ("village", pa.string()), ("household_number", pa.string()),
        ("per_capita_net", MONEY), ("prior", MONEY),
    ]),
}
# fmt: on
PARTITIONED = ("fund_payments",)
TABLES = tuple(SCHEMAS)


def _text(expr):
    """Money as text out of the database (SQLite hands decimals back as floats): exact into ``decimal128``."""
    return Cast(expr, CharField())


def _queries(year: int) -> dict:
    """The querysets of each table (``values`` in the schema's order), compiled to SQL by Django."""
    payments = (
        Payment.objects.filter(year=year)
        .annotate(
            village=F("region_id"),
            province=Substr("region_id", 1, 2),
            household_number=F("household__number"),
            project_name=F("project__name"),
            project_accepted_on=F("project__accepted_on"),
            account_digest=F("bank_account_digest"),
            amount_text=_text("amount"),
            created_on=TruncDate("created_at"),
            household_size=F("household__member_count"),
        )
        .values_list(
            "id",
            "village",
            "province",
            "year",
            "kind",
            "stage",
            "status",
            "allocation_id",
            "household_id",
            "household_number",
            "member_id",
            "project_id",
            "project_name",
            "project_accepted_on",
            "account_digest",
            "amount_text",
            "created_on",
            "household_size",
        )
        .order_by()
    )
    allocations = (
        Allocation.objects.annotate(
            last_paid_on=Max(TruncDate("payments__created_at")),
            amount_text=_text("amount"),
            balance_text=_text("balance"),
        )
        .values_list(
            "id",
            "region_id",
            "region__level",
            "fund__year",
            "fund__title",
            "amount_text",
            "balance_text",
            "arrived_on",
            "last_paid_on",
        )
        .order_by()
    )
    listed = VillageCadre.objects.filter(household__isnull=False).values_list(
        "id", "region_id", "name", "post", "household_id"
    )
    member_of = Member.objects.filter(is_active=True, id_number=OuterRef("id_number")).values("household_id")
    by_member = (
        VillageCadre.objects.annotate(member_household=Subquery(member_of[:1]))
        .filter(member_household__isnull=False)
        .values_list("id", "region_id", "name", "post", "member_household")
    )
    deaths = (
        MemberChange.objects.filter(kind=MemberChangeKind.DEATH, member__isnull=False)
        .annotate(event=_const("death"))
        .values_list("event", "household_id", "member_id", "effective_on")
    )
    cancels = (
        StatusChange.objects.filter(to_status=HouseholdStatus.CANCELLED)
        .annotate(event=_const("cancel"), no_member=_const(None))
        .values_list("event", "household_id", "no_member", "effective_on")
    )
    prior = HouseholdYear.objects.filter(household=OuterRef("household"), year=year - 1).values(
        "per_capita_net"
    )
    exited = StatusChange.objects.filter(
        household=OuterRef("household"), to_status=HouseholdStatus.EXITED, business_year=year
    )
    exits = (
        HouseholdYear.objects.filter(year=year)
        .filter(Exists(exited))
        .annotate(prior_net=Subquery(prior[:1]))
        .annotate(net_text=_text("per_capita_net"), prior_text=_text("prior_net"))
        .values_list("household_id", "household__region_id", "household__number", "net_text", "prior_text")
        .order_by()
    )
    return {
        "fund_payments": [payments],
        "fund_allocations": [allocations],
        "fund_cadres": [listed.order_by(), by_member.order_by()],
        "fund_events": [deaths.order_by(), cancels.order_by()],
        "fund_exits": [exits],
    }


def _const(value):
    return Value(value, output_field=CharField() if isinstance(value, str) else IntegerField())


def _cast(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """One batch in the table's schema: SQLite gives integers for booleans, ISO text for dates, text for money."""
    columns = []
    for column, field in zip(batch.columns, schema, strict=True):
        if pa.types.is_null(column.type):
            column = pa.nulls(len(column), field.type)
        elif pa.types.is_decimal(field.type) and not pa.types.is_string(column.type):
            column = column.cast(pa.string())
        if pa.types.is_decimal(field.type):
            column = _exact(column, field.type)
        columns.append(column.cast(field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _exact(column: pa.Array, money: pa.DataType) -> pa.Array:
    """Money text as ``money``: directly where it has the scale's digits (PostgreSQL's numerics); rounded to the
    cent, once per distinct value, where SQLite's float arithmetic left more (a computed 人均纯收入 such as
    ``3861.1000000000004``), as Django's own converter rounds it."""
    try:
        return column.cast(money)
    except pa.ArrowInvalid:
        encoded = pc.dictionary_encode(column)
        cents = [
            None if v is None else Decimal(v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            for v in encoded.dictionary.to_pylist()
        ]
        return pc.take(pa.array(cents, money), encoded.indices)


def _rows(name: str, year: int):
    schema = SCHEMAS[name]
    for qs in _queries(year)[name]:
        sql, params = qs.query.sql_with_params()
        with arrow_reader(sql, params) as reader:
            for batch in reader:
                if batch.num_rows:
                    yield _cast(batch, schema)


def write_table(name: str, batches, root: Path, *, chunk_rows: int = 1_000_000) -> int:
    """Write table ``name`` from record batches under ``root`` (partitioned by province where it is big; an
    empty table still gets a file with its columns, for the engines to read). Returns the rows written.

    The batches are pulled here, in the caller's thread, and handed to Arrow a chunk at a time: Arrow's writer
    pulls a stream from its own threads, where Django's connection is another one (a test's transaction, or
    SQLite's, would not be seen)."""
    schema = SCHEMAS[name]
    target = Path(root) / name
    target.mkdir(parents=True, exist_ok=True)
    rows = 0
    if name not in PARTITIONED:
        with pq.ParquetWriter(target / "part-0.parquet", schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows
    pending, held, chunk = [], 0, 0

    def flush():
        nonlocal pending, held, chunk
        ds.write_dataset(
            pa.Table.from_batches(pending, schema=schema),
            target,
            format="parquet",
            partitioning=["province"],
            partitioning_flavor="hive",
            existing_data_behavior="overwrite_or_ignore",
            basename_template=f"chunk-{chunk}-{{i}}.parquet",
            max_rows_per_group=256_000,
        )
        pending, held, chunk = [], 0, chunk + 1

    for batch in batches:
        pending.append(batch)
        held += batch.num_rows
        rows += batch.num_rows
        if held >= chunk_rows:
            flush()
    if pending:
        flush()
    if rows == 0:
        (target / "province=00").mkdir(parents=True, exist_ok=True)
        pq.write_table(
            schema.empty_table().drop_columns("province"), target / "province=00" / "empty.parquet"
        )
    return rows


def write_funds(year: int, root: Path) -> dict[str, int]:
    """Every funds table of ``year`` under the snapshot folder ``root``; rows per table."""
    return {name: write_table(name, _rows(name, year), root) for name in TABLES}
