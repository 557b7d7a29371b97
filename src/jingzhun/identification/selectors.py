"""Reads of identification policy data."""

from __future__ import annotations

from decimal import Decimal

from jingzhun.regions.rules import PREFIX_LENGTH, pad

from .models import PovertyLine


def poverty_line(*, year: int, region_code: str) -> PovertyLine | None:
    """The line that applies to a household of ``region_code`` in ``year``: its province's own line where the
    province has set one above the national line, else the national line; None when neither is recorded."""
    province = pad(region_code[: PREFIX_LENGTH[1]])
    lines = {line.province_id: line for line in PovertyLine.objects.filter(year=year)}
    national, provincial = lines.get(None), lines.get(province)
    if provincial is not None and (national is None or Decimal(provincial.amount) > Decimal(national.amount)):
        return provincial
    return national
