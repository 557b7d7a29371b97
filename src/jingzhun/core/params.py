"""Request parameters shared by the pages: read leniently (a bad value falls back, never a crash)."""

from collections.abc import Callable

from django.utils import timezone


def chosen_year(request, default: int | Callable[[], int] | None = None) -> int:
    """The year asked for (?year=), else ``default`` (a year, or a function giving it — called only when no
    year is asked for: pages pass the latest year with data), else the current year; out-of-range values fall
    back the same way."""
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None
    if year is not None and 2000 <= year <= 2100:
        return year
    if callable(default):
        default = default()
    return default or timezone.localdate().year


def as_id(value: str) -> int | None:
    """A posted record id as an integer, or None: ASCII digits only (``²`` is a digit to ``str.isdigit`` but not
    to ``int``) and at most 18 of them (a BIGINT)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def ticked_ids(request, limit: int) -> list[int]:
    """The record ids ticked on a list (``ids`` posted, many times), at most ``limit`` + 1 of them — one more
    than a batch allows, so the caller can tell a batch too large."""
    ids = (as_id(v) for v in request.POST.getlist("ids")[: limit + 1])
    return [i for i in ids if i is not None]
