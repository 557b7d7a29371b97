"""Equity of resources (资源均衡): what each village of a county received in a year per registered person, how
unequal that is across villages, and which villages are over-concentrated or under-supplied, with the units
behind them. Three grouped queries per county whatever its size; the arithmetic is in ``core.measures``.

Resources of a village = actual amounts of its households' measures (not cancelled) + what the village received
as a whole (``VillageSupport``) + money the apps above record as having reached it without a measure (funds'
payments: ``money_source``, so that a payment paying a measure is counted once). Registered persons = members of
its households in 在册/返贫/监测.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from jingzhun.core.measures import gini
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import subtree_range
from jingzhun.registry.models import Household

from .choices import MeasureStatus
from .models import AssistancePolicy, Measure, VillagePairing, VillageSupport
from .selectors import helped

ZERO = Decimal(0)

# Money that reached villages recorded by apps above this one (funds' paid payments), each a function
# (lowest code, highest code, year) -> {village code: amount}; registered in the app's ready() by ``money_source``.
MONEY_SOURCES: list[Callable[[str, str, int], dict[str, Decimal]]] = []


def money_source(fn):
    """Register ``fn`` as a source of money received per village (not counted in any measure)."""
    if fn not in MONEY_SOURCES:
        MONEY_SOURCES.append(fn)
    return fn


# Money that reached households recorded by apps above this one (funds' household payments, 到户补助), each a
# function (lowest code, highest code, year) -> rows of {"household_id", "region_id", "persons", "total"}, one per
# household; registered in the app's ready() by ``household_money_source``.
HOUSEHOLD_MONEY: list[Callable[[str, str, int], list[dict]]] = []
MEDIAN_HOUSEHOLDS = 5  # a county's median per person is taken over at least this many households paid


def household_money_source(fn):
    """Register ``fn`` as a source of money that reached each household (the per-person median's input)."""
    if fn not in HOUSEHOLD_MONEY:
        HOUSEHOLD_MONEY.append(fn)
    return fn


def per_person(total, persons) -> Decimal:
    """Money of a household per person: the total ÷ its size (a household of no recorded size counts as one).
    Exact (not rounded), so that a comparison with a multiple of the median is the same on every engine."""
    return Decimal(total) / max(int(persons or 1), 1)


def household_money(lo: str, hi: str, year: int) -> list[dict]:
    """Money that reached each household between codes ``lo`` and ``hi`` in ``year`` (every registered source
    summed per household), with its size and the amount per person (``each``): the one definition the equity
    page's household median and the funds' outlier rule (人均帮扶资金远高于全县中位数) both read."""
    merged: dict[int, dict] = {}
    for source in HOUSEHOLD_MONEY:
        for row in source(lo, hi, year):
            found = merged.setdefault(row["household_id"], {**row, "total": ZERO})
            found["total"] += Decimal(row["total"])
    for row in merged.values():
        row["each"] = per_person(row["total"], row["persons"])
    return list(merged.values())


def county_medians(rows: list[dict]) -> dict[str, Decimal]:
    """The median money per person of each county's households in ``rows`` (``household_money``), keyed by the
    county's six-digit prefix; a county with fewer than ``MEDIAN_HOUSEHOLDS`` households paid has none."""
    by_county: dict[str, list[Decimal]] = {}
    for row in rows:
        by_county.setdefault(row["region_id"][:6], []).append(row["each"])
    return {c: statistics.median(v) for c, v in by_county.items() if len(v) >= MEDIAN_HOUSEHOLDS}


FLAG_LABELS = {"over": _("过度集中"), "under": _("投入不足"), "no_persons": _("有投入但无建档立卡人口")}


@dataclass
class VillageRow:
    code: str
    name: str
    township: str
    households: int = 0
    persons: int = 0
    measures: Decimal = ZERO
    planned: Decimal = ZERO
    supports: Decimal = ZERO
    paid: Decimal = ZERO  # payments (funds) that reached it without a measure
    flag: str = ""  # "over", "under", "no_persons" or ""
    units: list[tuple[str, Decimal]] = field(default_factory=list)  # filled for flagged villages

    @property
    def total(self) -> Decimal:
        return self.measures + self.supports + self.paid

    @property
    def flag_label(self) -> str:
        return str(FLAG_LABELS.get(self.flag, ""))

    @property
    def per_person(self) -> Decimal | None:
        return (self.total / self.persons).quantize(Decimal("0.01")) if self.persons else None


@dataclass
class Equity:
    """A county's distribution for a year: its villages and the summary figures."""

    county: Region
    year: int
    villages: list[VillageRow]
    total: Decimal
    persons: int
    median: Decimal | None
    household_median: Decimal | None  # money per person of the county's households paid (``county_medians``)
    gini: float | None
    top10_share: float | None
    multiple: Decimal
    floor_ratio: Decimal

    @property
    def over(self) -> list[VillageRow]:
        return [v for v in self.villages if v.flag == "over"]

    @property
    def under(self) -> list[VillageRow]:
        return [v for v in self.villages if v.flag == "under"]

    @property
    def orphaned(self) -> list[VillageRow]:
        return [v for v in self.villages if v.flag == "no_persons"]


def _grouped(qs, key: str, **sums) -> dict[str, dict]:
    return {r[key]: r for r in qs.values(key).annotate(**sums).order_by()}


def county_equity(county: Region, year: int, policy: AssistancePolicy) -> Equity:
    """Resources per registered person in each village of ``county`` in ``year``, the population-weighted Gini
    across villages, the share of resources that went to the top 10 % of villages (by resources per person), and
    the flags against the county median: above ``policy.concentration_multiple`` × median is over-concentrated,
    below ``policy.floor_ratio`` × median under-supplied."""
    lo, hi = subtree_range(county.code)
    villages = Region.objects.filter(code__range=(lo, hi), level=RegionLevel.VILLAGE).values_list(
        "code", "name", "parent__name"
    )
    people = _grouped(
        Household.objects.filter(helped(), region__code__range=(lo, hi)),
        "region_id", households=Count("id"), persons=Sum("member_count"),
    )  # fmt: skip
    spent = _grouped(
        Measure.objects.filter(region__code__range=(lo, hi), year=year).exclude(status=MeasureStatus.CANCELLED),
        "region_id", actual=Sum("actual_amount"), planned=Sum("planned_amount"),
    )  # fmt: skip
    given = _grouped(
        VillageSupport.objects.filter(village__code__range=(lo, hi), year=year),
        "village_id",
        amount=Sum("amount"),
    )
    paid: dict[str, Decimal] = {}
    for source in MONEY_SOURCES:
        for code, amount in source(lo, hi, year).items():
            paid[code] = paid.get(code, ZERO) + amount
    rows = []
    for code, name, township in villages:
        p, s, g = people.get(code, {}), spent.get(code, {}), given.get(code, {})
        row = VillageRow(
            code, name, township or "", households=p.get("households") or 0, persons=p.get("persons") or 0,
            measures=s.get("actual") or ZERO, planned=s.get("planned") or ZERO, supports=g.get("amount") or ZERO,
            paid=paid.get(code, ZERO),
        )  # fmt: skip
        if row.persons or row.total:
            rows.append(row)
    counted = [r for r in rows if r.persons]
    per = [float(r.total / r.persons) for r in counted]
    median = Decimal(str(statistics.median(per))).quantize(Decimal("0.01")) if per else None
    for r in rows:
        if not r.persons:
            r.flag = "no_persons"
        elif median is not None and median > 0 and r.per_person > median * policy.concentration_multiple:
            r.flag = "over"
        elif median is not None and r.per_person < median * policy.floor_ratio:
            r.flag = "under"
    total = sum((r.total for r in rows), ZERO)
    _units_behind([r for r in rows if r.flag], year)
    rows.sort(key=lambda r: (r.per_person is None, -(r.per_person or 0), r.code))
    household = county_medians(household_money(lo, hi, year)).get(county.code[:6])
    return Equity(
        county=county, year=year, villages=rows, total=total, persons=sum(r.persons for r in counted),
        median=median, household_median=household.quantize(Decimal("0.01")) if household is not None else None,
        gini=gini(per, [r.persons for r in counted]) if per else None,
        top10_share=_top_share(counted), multiple=policy.concentration_multiple, floor_ratio=policy.floor_ratio,
    )  # fmt: skip


def _top_share(rows: list[VillageRow]) -> float | None:
    """Share of all resources received by the top 10 % of villages ranked by resources per person."""
    total = sum(r.total for r in rows)
    if not rows or not total:
        return None
    ranked = sorted(rows, key=lambda r: r.total / r.persons, reverse=True)
    k = max(1, -(-len(ranked) // 10))
    return float(sum(r.total for r in ranked[:k]) / total)


def _units_behind(rows: list[VillageRow], year: int) -> None:
    """The units behind each flagged village: what each gave that year, and the units paired with it (0 when
    they gave nothing, which is what an under-supplied village needs to know)."""
    if not rows:
        return
    codes = [r.code for r in rows]
    amounts: dict[str, dict[str, Decimal]] = {c: {} for c in codes}
    by_measure = (
        Measure.objects.filter(region_id__in=codes, year=year, unit__isnull=False)
        .exclude(status=MeasureStatus.CANCELLED)
        .values("region_id", "unit__name")
        .annotate(a=Sum("actual_amount"))
        .order_by()
    )
    for r in by_measure:
        amounts[r["region_id"]][r["unit__name"]] = (r["a"] or ZERO) + amounts[r["region_id"]].get(
            r["unit__name"], ZERO
        )
    by_support = (
        VillageSupport.objects.filter(village_id__in=codes, year=year)
        .values("village_id", "unit__name", "source")
        .annotate(a=Sum("amount"))
        .order_by()
    )
    for r in by_support:
        name = r["unit__name"] or r["source"]
        amounts[r["village_id"]][name] = r["a"] + amounts[r["village_id"]].get(name, ZERO)
    paired = VillagePairing.objects.filter(village_id__in=codes).filter(
        Q(ended_on__isnull=True) | Q(ended_on__year__gte=year)
    )
    for village, unit in paired.values_list("village_id", "unit__name"):
        amounts[village].setdefault(unit, ZERO)
    for r in rows:
        r.units = sorted(amounts[r.code].items(), key=lambda kv: -kv[1])
