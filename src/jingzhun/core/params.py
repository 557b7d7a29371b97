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
