"""Policy in force: the one way to find the rule for (year, province) (issue 17).

Policy data — poverty lines, procedure parameters, assistance parameters, and the tables the next apps add
(monitoring lines, fund rules, indicator weights) — are rows keyed by year and province, the province empty for
the national row. ``in_force`` finds the row for a place and year the same way for all of them:

1. the province's own row, else the national row (a province sets its policy within the national frame);
2. of the year asked for (``carry_forward=False``: a poverty line is the line *of* a year, never last year's),
   or the latest year up to it (``carry_forward=True``: parameters stay in force until changed);
3. else ``None``, or the model's defaults as an unsaved row when ``defaults=True`` (the page then says so).

``prefer`` decides between a province's row and the national one where policy says the higher one applies
(a province's poverty line counts only above the national line).

A table keyed by more than year and province (the fund rules: one row per year, province and fund source) names
its extra key in ``one_per_year(prefix, per=(…))`` and reads with ``where={…}``: the same lookup, among the rows
of that key only (a province overriding one source from a year leaves the other sources to the nation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .codes import NATIONAL_CODE, ancestor_at, subtree_range

PROVINCE = 1


def policy_province() -> models.ForeignKey:
    """The province of a policy table's row; empty for the national row (read by ``in_force``)."""
    return models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("省份"), limit_choices_to={"level": 1},
    )  # fmt: skip


def policy_year() -> models.PositiveSmallIntegerField:
    """The year of a policy table's row (a line of that year, or parameters in force since it)."""
    return models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )


def one_per_year(prefix: str, *, per: tuple[str, ...] = ()) -> list[models.UniqueConstraint]:
    """The two constraints of every policy table: one row per (year, province), and one national row (province
    empty) per year — named ``<prefix>_one_per_year_province`` and ``<prefix>_one_national_per_year``; with
    ``per`` (extra key columns, e.g. a fund source) one row per (year, province, *per)."""
    return [
        models.UniqueConstraint(fields=["year", "province", *per], name=f"{prefix}_one_per_year_province"),
        models.UniqueConstraint(
            fields=["year", *per], condition=Q(province__isnull=True), name=f"{prefix}_one_national_per_year"
        ),
    ]


def province_of(region_code: str | None) -> str | None:
    """The province code of a region code; None for the nation (or no code)."""
    if not region_code or region_code == NATIONAL_CODE:
        return None
    return ancestor_at(region_code, PROVINCE)


def in_force(
    model: type[models.Model],
    *,
    region_code: str | None,
    year: int | None = None,
    carry_forward: bool = True,
    national: bool = True,
    defaults: bool = False,
    prefer: Callable[[models.Model, models.Model], models.Model] | None = None,
    where: dict[str, Any] | None = None,
) -> models.Model | None:
    """The row of ``model`` in force for ``region_code`` in ``year`` (None: the latest). ``national=False``
    reads the province's own row only (a province's margin is its own, not the nation's); ``where`` narrows to
    the rows of a further key (``{"fund_source": "central"}``), and the defaults then carry it."""
    province = province_of(region_code)
    rows = model.objects.filter(**(where or {})).filter(
        models.Q(province_id=province) | models.Q(province__isnull=True)
        if national
        else models.Q(province_id=province)
    )
    if year is not None:
        rows = rows.filter(year__lte=year) if carry_forward else rows.filter(year=year)
    found = _latest_each(rows)
    own, nation = (found.get(province) if province else None), found.get(None)
    if own is not None and nation is not None and prefer is not None:
        return prefer(own, nation)
    chosen = own or nation
    if chosen is None and defaults:
        return model(**(where or {}), **({"year": year} if year is not None else {}))
    return chosen


def every_in_force(
    model: type[models.Model], *, year: int, where: dict[str, Any] | None = None
) -> dict[str | None, models.Model]:
    """Each province's own row in force in ``year`` (the latest up to it), and the national one under None:
    for set-based reads that apply policy to many provinces in one query (a CASE per province); ``where`` as
    for ``in_force``."""
    return _latest_each(model.objects.filter(year__lte=year, **(where or {})))


def by_province(
    in_force: dict[str | None, models.Model],
    *,
    region_ref: str,
    value: Callable[[models.Model], Any],
    default: Any,
    output_field: models.Field,
) -> models.Expression:
    """One CASE over the few provinces with their own row in ``in_force`` (``every_in_force``): their ``value``,
    the nation's ``default`` for every other region — per row of a set-based query, one indexed range each."""
    whens = [
        models.When(**{f"{region_ref}__range": subtree_range(province)}, then=models.Value(value(row)))
        for province, row in in_force.items()
        if province
    ]
    if not whens:
        return models.Value(default, output_field=output_field)
    return models.Case(*whens, default=models.Value(default), output_field=output_field)


def _latest_each(rows: models.QuerySet) -> dict[str | None, models.Model]:
    """The latest row (by year) of each province, the national one under None."""
    found: dict[str | None, models.Model] = {}
    for row in rows.order_by("-year"):
        found.setdefault(row.province_id, row)
    return found
