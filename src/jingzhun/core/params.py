"""Request parameters shared by the pages: read leniently (a bad value falls back, never a crash)."""

from django.utils import timezone


def chosen_year(request) -> int:
    """The year asked for (?year=), else the current year; out-of-range values fall back to the current year."""
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year
