"""Reads of identification policy data."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from jingzhun.regions.rules import PREFIX_LENGTH, pad

from . import rules
from .models import PovertyLine, ProcedurePolicy


def poverty_line(*, year: int, region_code: str) -> PovertyLine | None:
    """The line that applies to a household of ``region_code`` in ``year``: its province's own line where the
    province has set one above the national line, else the national line; None when neither is recorded."""
    province = pad(region_code[: PREFIX_LENGTH[1]])
    lines = {line.province_id: line for line in PovertyLine.objects.filter(year=year)}
    national, provincial = lines.get(None), lines.get(province)
    if provincial is not None and (national is None or Decimal(provincial.amount) > Decimal(national.amount)):
        return provincial
    return national


def procedure_policy(*, year: int, region_code: str) -> ProcedurePolicy:
    """The province's own parameters for ``year``, else the national ones, else the defaults (unsaved)."""
    province = pad(region_code[: PREFIX_LENGTH[1]])
    found = {p.province_id: p for p in ProcedurePolicy.objects.filter(year=year)}
    return found.get(province) or found.get(None) or ProcedurePolicy(year=year)


def household_verdict(application, *, on=None) -> rules.Verdict | None:
    """The rules' verdict on the household's record for the application's year (None without a line)."""
    on = on or timezone.localdate()
    line = poverty_line(year=application.year, region_code=application.region_id)
    household = application.household
    year = household.years.filter(year=application.year).first() or household.years.order_by("-year").first()
    if line is None:
        return None
    return rules.identification_verdict(
        per_capita_net=year.per_capita_net if year else None,
        line=line.amount,
        members=list(household.members.filter(is_active=True)),
        year=year,
        on=on,
    )
