"""Set-based appends: an Arrow table into a model's table, by COPY on PostgreSQL and executemany on SQLite."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection


def append_rows(model, table: pa.Table) -> None:
    """Append ``table``'s rows (columns named after the model's columns) to the model's table."""
    if table.num_rows == 0:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in table.column_names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
            sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
            # psycopg's own cursor: its errors are turned into Django's (IntegrityError…) as the ORM's are
            with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                copy.write(buffer.getbuffer())
            return
        values = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
        marks = ", ".join(["%s"] * table.num_columns)
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", values)
