"""Cadre, unit and work-team assessment (精准帮扶, issue 22): for each 帮扶责任人, each helping unit and each 驻村工作队
in a year — visits done against visits due (each pairing's days in the year ÷ the province's visit interval),
plan measures completed, the satisfaction of their households in the third-party survey (overall, and with the
cadre or the team itself where the household answered), and the exits of their households. Computed set-based
for a page (a handful of grouped queries, whatever the page size); a unit's figures are the sums over its cadres
in the reader's scope; a team's are its village's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from jingzhun.assistance.choices import MeasureStatus
from jingzhun.assistance.models import (
    AssistancePolicy,
    Cadre,
    HouseholdPairing,
    Measure,
    TeamMember,
    Visit,
    WorkTeam,
)
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
    rated: int = 0  # answers to the question on this cadre (or team) itself, 不了解 left out
    approved: int = 0
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

    @property
    def approval(self) -> float | None:
        return None if not self.rated else self.approved / self.rated

    def add(self, other: Figures) -> None:
        for name in ("visits", "due", "measures", "measures_done", "surveyed", "satisfied", "rated", "approved",
                     "exits"):  # fmt: skip
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


def _measures(year: int, by: str, **where):
    """(key, measures, done) of the year's plan measures grouped by ``by`` (cancelled ones left out)."""
    measures = Measure.objects.filter(year=year, **where).exclude(status=MeasureStatus.CANCELLED)
    counted = measures.values_list(by).annotate(
        n=Count("id"), done=Count("id", filter=Q(status=MeasureStatus.DONE))
    )
    return counted.order_by()


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
    for cadre, n, done in _measures(year, "plan__cadre_id", plan__cadre_id__in=cadre_ids):
        out[cadre].measures, out[cadre].measures_done = n, done
    households = list(owner)
    answers = SurveyResponse.objects.filter(sample__year=year, sample_household__household_id__in=households)
    for household, satisfied, rating in answers.values_list(
        "sample_household__household_id", "satisfied", "cadre_satisfied"
    ):
        for cadre in owner[household]:
            _answered(out[cadre], satisfied, rating)
    for household in Household.objects.filter(id__in=households, exit_year=year).values_list("id", flat=True):
        for cadre in owner[household]:
            out[cadre].exits += 1
    return out


def _answered(f: Figures, satisfied: bool, rating: bool | None) -> None:
    f.surveyed += 1
    f.satisfied += satisfied
    if rating is not None:
        f.rated += 1
        f.approved += rating


def by_team(teams: list[WorkTeam], year: int) -> dict[int, Figures]:
    """Each 驻村工作队's figures of ``year``: its village's households with a 帮扶责任人 in the year, the visits its
    members (on the team at some time in the year) made in the village, the village's plan measures, the survey
    answers in the village (the question on the team itself), and the village's exits. One grouped query each."""
    out = {t.pk: Figures() for t in teams}
    village = {t.pk: t.village_id for t in teams}
    villages = set(village.values())
    if not teams:
        return out
    per_village: dict[str, Figures] = defaultdict(Figures)
    helped = HouseholdPairing.objects.filter(in_year(year), region_id__in=villages)
    for code, n in (
        helped.values_list("region_id").annotate(n=Count("household_id", distinct=True)).order_by()
    ):
        per_village[code].households = n
    for code, n, done in _measures(year, "region_id", region_id__in=villages):
        per_village[code].measures, per_village[code].measures_done = n, done
    answers = SurveyResponse.objects.filter(sample__year=year, region_id__in=villages)
    for code, satisfied, rating in answers.values_list("region_id", "satisfied", "team_satisfied"):
        _answered(per_village[code], satisfied, rating)
    exits = Household.objects.filter(region_id__in=villages, exit_year=year).values_list("region_id")
    for code, n in exits.annotate(n=Count("id")).order_by():
        per_village[code].exits = n
    members = TeamMember.objects.filter(in_year(year), team_id__in=village).values_list("team_id", "cadre_id")
    on_team = {(team, cadre) for team, cadre in members}
    visits = Visit.objects.filter(
        region_id__in=villages, visited_on__year=year, cadre_id__in={c for _t, c in on_team}
    ).values_list("region_id", "cadre_id")
    by_cadre = {(code, cadre): n for code, cadre, n in visits.annotate(n=Count("id")).order_by()}
    for team, f in out.items():
        f.add(per_village[village[team]])
        f.households = per_village[village[team]].households
        f.visits = sum(by_cadre.get((village[team], c), 0) for t, c in on_team if t == team)
    return out


def by_unit(cadres: list[Cadre], year: int) -> dict[int, Figures]:
    """Each unit's figures: the sums over ``cadres`` (a household helped by two of its cadres counted once)."""
    per_cadre = figures([c.pk for c in cadres], year)
    units = defaultdict(Figures)
    for c in cadres:
        units[c.unit_id].add(per_cadre[c.pk])
    return units


def by_county(counties: list[str], year: int) -> dict[str, Figures]:
    """Each county's 精准帮扶 ratings of ``year`` (the 精准帮扶满意度 indicator): the answers in its samples of the
    year — households surveyed and satisfied overall, and the ratings given on the 驻村工作队 (the question
    ``by_team`` counts for the village's team) and on the household's own 帮扶责任人 (the question ``figures``
    counts for its cadre), each answer a rating, 不了解 left out. One grouped query."""
    out = {c: Figures() for c in counties}
    if not counties:
        return out
    answers = SurveyResponse.objects.filter(sample__year=year, sample__county_id__in=counties)
    counted = answers.values_list("sample__county_id").annotate(
        n=Count("id"),
        satisfied=Count("id", filter=Q(satisfied=True)),
        team=Count("id", filter=Q(team_satisfied__isnull=False)),
        team_yes=Count("id", filter=Q(team_satisfied=True)),
        cadre=Count("id", filter=Q(cadre_satisfied__isnull=False)),
        cadre_yes=Count("id", filter=Q(cadre_satisfied=True)),
    )
    for county, n, satisfied, team, team_yes, cadre, cadre_yes in counted.order_by():
        f = out[county]
        f.surveyed, f.satisfied = n, satisfied
        f.rated, f.approved = team + cadre, team_yes + cadre_yes
    return out
