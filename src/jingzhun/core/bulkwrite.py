"""Set-based appends: an Arrow table into a model's table, by COPY on PostgreSQL and executemany on SQLite; updates
of many rows from an Arrow table in one statement; and appends whose foreign keys the caller vouches for."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection


@dataclass(frozen=True)
class Rows:
    """Rows made ready for one append: COPY text for PostgreSQL, parameter tuples for SQLite. Making them
    touches no database, so it may run in another thread while the connection is busy (``registry.bulk``)."""

    columns: list[str]
    data: object  # bytes of CSV (PostgreSQL) or a list of tuples (SQLite)
    count: int


def prepare_rows(table: pa.Table, vendor: str) -> Rows:
    """``table``'s rows (columns named after the model's columns) ready for ``append_prepared``."""
    if vendor == "postgresql":
        buffer = io.BytesIO()
        if table.num_rows:
            pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
        # bytes, not a memoryview of the buffer: psycopg crashed the process collecting a view made in another
        # thread after a failed COPY (a few MB copied per batch)
        return Rows(table.column_names, buffer.getvalue(), table.num_rows)
    values = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
    return Rows(table.column_names, values, table.num_rows)


def append_prepared(model, rows: Rows) -> None:
    """Append prepared rows to the model's table."""
    _append(model._meta.db_table, rows)


def _append(db_table: str, rows: Rows) -> None:
    if rows.count == 0:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in rows.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {quote(db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
            # psycopg's own cursor: its errors are turned into Django's (IntegrityError…) as the ORM's are
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                copy.write(rows.data)
            return
        marks = ", ".join(["%s"] * len(rows.columns))
        cursor.executemany(f"INSERT INTO {quote(db_table)} ({columns}) VALUES ({marks})", rows.data)


def update_rows(model, table: pa.Table, *, key: str = "id") -> None:
    """Set columns of existing rows of the model's table from ``table`` (the ``key`` column and the columns to set,
    named after the model's columns, values as the database stores them), in one statement: the rows are
    appended to a temporary table shaped like the model's (COPY / executemany), then one ``UPDATE … FROM`` joins
    it. ``bulk_update`` writes a ``CASE`` with a branch per row for every column instead, which Django resolves
    and the database evaluates row by row: 20 s for 14,000 households on SQLite, against well under one here.
    Call inside a transaction; the temporary table is dropped before returning."""
    if table.num_rows == 0:
        return
    quote = connection.ops.quote_name
    target = quote(model._meta.db_table)
    scratch = f"jz_update_{model._meta.db_table}"
    names = ", ".join(quote(name) for name in table.column_names)
    setting = ", ".join(f"{quote(n)} = s.{quote(n)}" for n in table.column_names if n != key)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(scratch)}")
        # the model's own column types (a bare CREATE would type the columns loosely on PostgreSQL)
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(scratch)} AS SELECT {names} FROM {target} WHERE 1 = 0")
        _append(scratch, prepare_rows(table, connection.vendor))
        cursor.execute(
            f"UPDATE {target} SET {setting} FROM {quote(scratch)} AS s WHERE {target}.{quote(key)} = s.{quote(key)}"
        )
        cursor.execute(f"DROP TABLE {quote(scratch)}")


SCALARS = (str, bool, int, float)


def with_defaults(model, table: pa.Table) -> pa.Table:
    """``table`` completed with the NOT NULL columns of ``model`` it lacks, at their defaults as the database
    stores them (an encrypted field's empty value too): a field added to a model later — bank details, national
    identifiers — needs nothing from the bulk paths that do not fill it. Columns whose default is not a plain
    value (a timestamp, a JSON list) are the caller's to give."""
    for field in model._meta.concrete_fields:
        if field.primary_key or field.null or field.generated or field.column in table.column_names:
            continue
        if not field.has_default() and not field.empty_strings_allowed:
            continue
        value = field.get_db_prep_save(field.get_default(), connection)
        if isinstance(value, SCALARS):
            table = table.append_column(field.column, pa.array([value] * table.num_rows))
    return table


def append_rows(model, table: pa.Table) -> None:
    """Append ``table``'s rows (columns named after the model's columns) to the model's table."""
    append_prepared(model, prepare_rows(table, connection.vendor))


@contextmanager
def references_vouched_for(models) -> Iterator[bool]:
    """Foreign keys of rows appended to ``models``' tables inside the block are not checked again at commit;
    yields whether that is so. The caller vouches for every reference those rows hold — and must lock what
    they point to (``FOR KEY SHARE`` or stronger) so that it stays until the commit.

    PostgreSQL checks a foreign key by a trigger per inserted row, queued until the commit (Django's keys are
    DEFERRABLE INITIALLY DEFERRED): a quarter of a 1,000,000-person import. With ``session_replication_role =
    replica`` for the transaction those triggers do not fire. Used only where the role may set it (a superuser,
    or ``GRANT SET ON PARAMETER session_replication_role``, docs/operations.md) and the tables have no
    triggers of their own (which it would silence too); elsewhere, and on SQLite, nothing changes.
    """
    if connection.vendor != "postgresql" or connection.pg_version < 150000:
        yield False
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('session_replication_role', 'replica', true) "
            "WHERE has_parameter_privilege('session_replication_role', 'SET') AND NOT EXISTS ("
            " SELECT 1 FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal"
            "  AND tgenabled <> 'A')",  # ENABLE ALWAYS triggers (the audit guard) fire in replica mode too
            [tables],
        )
        vouched = cursor.fetchone() is not None
    yield vouched
    # Not on error: the transaction (or the caller's savepoint) rolls back, and SET LOCAL with it.
    if vouched:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role TO DEFAULT")
