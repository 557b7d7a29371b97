"""CSV downloads that Excel opens (UTF-8 with BOM) and that stream: memory does not grow with the rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django.http import StreamingHttpResponse

from .cells import guard


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text pieces: the header (after a BOM so that Excel reads Chinese headers), then one piece per row.
    Formula-like text is guarded (``core.cells``)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for values in rows:
        yield writer.writerow([guard(v) for v in values])


def csv_download(name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed attachment ``name``.csv (``name`` may be Chinese)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.csv"
    return response
