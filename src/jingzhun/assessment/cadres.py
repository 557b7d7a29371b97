"""Cadre and unit assessment (精准帮扶, issue 22): for each 帮扶责任人 and each helping unit in a year — visits
done against visits due (each pairing's days in the year ÷ the province's visit interval), plan measures
completed, the satisfaction of their households in the third-party survey, and the exits of their households.
Computed set-based for a page of cadres (a handful of grouped queries, whatever the page size); a unit's
figures are the sums over its cadres in the reader's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from jingzhun.assistance.choices import MeasureStatus
from jingzhun.assistance.models import AssistancePolicy, Cadre, HouseholdPairing, Measure, Visit
from jingzhun.core.policy import every_in_force, province_of
from jingzhun.registry.models import Household

from .models import SurveyResponse

SHOWS = ("households", "visits", "measures", "survey", "exits")


@dataclass
class Figures:
    households: int = 0
    visits: int = 0
    due: int = 0
    measures: int = 0
    measures_done: int = 0
    surveyed: int = 0
    satisfied: int = 0
    exits: int = 0
    household_ids: set = field(default_factory=set)

    @property
    def visit_rate(self) -> float | None:
        return None if not self.due else min(1.0, self.visits / self.due)

    @property
    def measure_rate(self) -> float | None:
        return None if not self.measures else self.measures_done / self.measures

    @property
    def satisfaction(self) -> float | None:
        return None if not self.surveyed else self.satisfied / self.surveyed

    def add(self, other: Figures) -> None:
        for name in ("visits", "due", "measures", "measures_done", "surveyed", "satisfied", "exits"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.household_ids |= other.household_ids
        self.households = len(self.household_ids)


def in_year(year: int) -> Q:
    """Pairings open at some time in ``year``."""
    return Q(started_on__lte=dt.date(year, 12, 31)) & (
        Q(ended_on__isnull=True) | Q(ended_on__gte=dt.date(year, 1, 1))
    )


def _visit_days(year: int):
    rows = every_in_force(AssistancePolicy, year=year)
    nation = rows.get(None)
    default = nation.visit_days if nation else AssistancePolicy.DEFAULT_VISIT_DAYS

    def days(region_code: str) -> int:
        own = rows.get(province_of(region_code))
        return max(1, own.visit_days if own else default)

    return days


def figures(cadre_ids: list[int], year: int) -> dict[int, Figures]:
    """Each cadre's figures of ``year`` (the caller has read the cadres through the user's scope)."""
    out = {pk: Figures() for pk in cadre_ids}
    if not cadre_ids:
        return out
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    days = _visit_days(year)
    owner = defaultdict(set)  # household → its cadres in the year
    pairings = HouseholdPairing.objects.filter(in_year(year), cadre_id__in=cadre_ids).values_list(
        "cadre_id", "household_id", "region_id", "started_on", "ended_on"
    )
    for cadre, household, region, start, end in pairings:
        span = (min(end or last, last) - max(start, first)).days + 1
        out[cadre].due += span // days(region)
        out[cadre].household_ids.add(household)
        owner[household].add(cadre)
    for f in out.values():
        f.households = len(f.household_ids)
    visits = Visit.objects.filter(cadre_id__in=cadre_ids, visited_on__year=year)
    for cadre, n in visits.values_list("cadre_id").annotate(n=Count("id")).order_by():
        out[cadre].visits = n
    measures = Measure.objects.filter(plan__cadre_id__in=cadre_ids, year=year).exclude(
        status=MeasureStatus.CANCELLED
    )
    counted = measures.values_list("plan__cadre_id").annotate(
        n=Count("id"), done=Count("id", filter=Q(status=MeasureStatus.DONE))
    )
    for cadre, n, done in counted.order_by():
        out[cadre].measures, out[cadre].measures_done = n, done
    households = list(owner)
    answers = SurveyResponse.objects.filter(sample__year=year, sample_household__household_id__in=households)
    for household, satisfied in answers.values_list("sample_household__household_id", "satisfied"):
        for cadre in owner[household]:
            out[cadre].surveyed += 1
            out[cadre].satisfied += satisfied
    for household in Household.objects.filter(id__in=households, exit_year=year).values_list("id", flat=True):
        for cadre in owner[household]:
            out[cadre].exits += 1
    return out


def by_unit(cadres: list[Cadre], year: int) -> dict[int, Figures]:
    """Each unit's figures: the sums over ``cadres`` (a household helped by two of its cadres counted once)."""
    per_cadre = figures([c.pk for c in cadres], year)
    units = defaultdict(Figures)
    for c in cadres:
        units[c.unit_id].add(per_cadre[c.pk])
    return units
