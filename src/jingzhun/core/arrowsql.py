"""Rows of a SQL query as Arrow record batches: the columnar read the snapshot and the exports share.

PostgreSQL outside a transaction: ADBC (libpq's binary COPY, columnar, no Python object per value) on its own
connection, the next batch read by a thread while the caller works on this one. Inside a transaction (a test,
or a caller holding one) that connection could not see the rows the transaction wrote, so the query runs on
Django's connection in batches instead — as it always does on SQLite,
where an ADBC driver would bring a second SQLite library into the process, and two SQLite libraries on one file
in one process break each other's locks (SQLite's documented caveat).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pyarrow as pa
from django.db import connection

from jingzhun.core.readahead import read_ahead

BATCH = 50_000


@contextmanager
def arrow_reader(sql: str, params: Sequence = (), *, depth: int = 1) -> Iterator[pa.RecordBatchReader]:
    """The rows of ``sql`` (with ``%s`` placeholders for ``params``) from the database Django uses; ``depth``:
    the batches read ahead."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        import adbc_driver_postgresql.dbapi as driver

        text = connection.ops.compose_sql(sql, params) if params else sql  # literals quoted by psycopg
        conf = connection.settings_dict
        auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf.get("PASSWORD") else "")
        uri = f"postgresql://{auth}@{conf['HOST'] or 'localhost'}:{conf['PORT'] or 5432}/{conf['NAME']}"
        with driver.connect(uri) as con, con.cursor() as cursor:
            cursor.execute(text)
            reader = cursor.fetch_record_batch()
            # the next batch fetched (the server's work and libpq's decoding, both outside the GIL) while the
            # caller turns this one into cells; its own connection, so a thread may read it
            ahead = read_ahead(iter(reader), depth)
            try:
                yield pa.RecordBatchReader.from_batches(reader.schema, ahead)
            finally:
                ahead.close()
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]

        def batches():
            while rows := cursor.fetchmany(BATCH):
                columns = list(zip(*rows, strict=True))
                yield pa.RecordBatch.from_arrays([pa.array(c) for c in columns], names=names)

        first = next(batches_iter := batches(), None)
        if first is None:
            yield pa.RecordBatchReader.from_batches(pa.schema([(n, pa.null()) for n in names]), iter(()))
            return
        yield pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches_iter))


def _chain(first, rest):
    yield first
    yield from rest
