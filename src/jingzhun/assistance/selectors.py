"""Reads of assistance: forces with their caseloads, a household's pairings, the households still without a
cadre (compliance), all through the user's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from jingzhun.core import policy
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.rules import ancestor_at, subtree_range
from jingzhun.registry.choices import Cause
from jingzhun.registry.models import Household
from jingzhun.registry.status import exited_keep_policy, is_monitored, monitored_now

from . import catalogue
from .choices import HouseholdClass, MeasureStatus
from .models import (
    AssistancePolicy,
    Cadre,
    HouseholdPairing,
    Measure,
    VillagePairing,
    VillageSupport,
    Visit,
    WorkTeam,
)
from .rules import HELPED_STATUSES


def helped(prefix: str = "", *, year: int | None = None) -> Q:
    """Households that must have a responsible cadre: 在册 or 返贫, monitored now, or exited while the policy
    period keeps the policies after exit (脱贫不脱政策). ``prefix`` reaches the household from another model
    (``"household__"`` from a pairing)."""
    year = year or timezone.localdate().year
    household_ref = f"{prefix.removesuffix('__')}_id" if prefix else "pk"
    return (
        Q(**{f"{prefix}status__in": HELPED_STATUSES})
        | Q(monitored_now(household_ref))
        | exited_keep_policy(year=year, prefix=prefix)
    )


def is_helped(household: Household, *, year: int | None = None) -> bool:
    if household.status in HELPED_STATUSES or is_monitored(household):
        return True
    return Household.objects.filter(helped(year=year), pk=household.pk).exists()


def policy_for(region_code: str, year: int | None = None) -> AssistancePolicy:
    """The parameters in force for ``region_code`` in ``year`` (None: now): the province's own, else the
    national ones, else the defaults (unsaved)."""
    return policy.in_force(AssistancePolicy, region_code=region_code, year=year, defaults=True)


def capacity_of(cadre: Cadre, policy: AssistancePolicy | None = None) -> int:
    return cadre.capacity or (policy or policy_for(cadre.region_id)).cadre_capacity


def open_loads(cadre_ids: Iterable[int]) -> dict[int, int]:
    """Households currently paired with each cadre (one grouped query)."""
    rows = (
        HouseholdPairing.objects.filter(cadre_id__in=list(cadre_ids), ended_on__isnull=True)
        .values("cadre_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["cadre_id"]: r["n"] for r in rows}


def with_loads(cadres: list[Cadre]) -> list[Cadre]:
    """Set ``load`` and ``room`` on each cadre (one grouped query for the page)."""
    loads = open_loads([c.pk for c in cadres])
    policies = {}  # one lookup per province on the page, not one per cadre
    for c in cadres:
        province = ancestor_at(c.region_id, RegionLevel.PROVINCE)
        policy = policies.get(province) or policies.setdefault(province, policy_for(c.region_id))
        c.load = loads.get(c.pk, 0)
        c.limit = capacity_of(c, policy)
        c.room = c.limit - c.load
    return cadres


def without_cadre(*, user):
    """Households that need a cadre (在册, 返贫, 监测) and have none: an anti-join on the open pairings."""
    open_pairing = HouseholdPairing.objects.filter(household=OuterRef("pk"), ended_on__isnull=True)
    return Household.objects.for_user(user).filter(helped()).filter(~Exists(open_pairing))


def cadres_for(region_code: str):
    """Active cadres of the county of ``region_code`` (a household's village, a village), for the assignment,
    visit and work-team forms: a township may choose a cadre based in another township of the county; only names
    and units are shown."""
    county = ancestor_at(region_code, RegionLevel.COUNTY)
    return (
        Cadre.objects.filter(region__code__range=subtree_range(county), active=True)
        .select_related("unit", "region")
        .order_by("region_id", "name")
    )


def profile_of(household: Household) -> catalogue.Profile:
    """What the catalogue's suggestions look at: causes, active members' labour/health/schooling, latest house."""
    members = list(household.members.filter(is_active=True).values_list("labour", "health", "schooling"))
    latest = household.years.order_by("-year").values_list("house_grade", flat=True).first()
    return catalogue.Profile(
        main_cause=household.main_cause,
        other_causes=tuple(household.other_causes or ()),
        labour=tuple(m[0] for m in members),
        health=tuple(m[1] for m in members),
        schooling=tuple(m[2] for m in members),
        house_grade=latest or "",
    )


def _due_dates(today: dt.date):
    """The date before which a household's last visit is overdue, per province (policy data): one CASE over the
    few provinces with their own interval, the national interval for the rest."""
    in_force = policy.every_in_force(AssistancePolicy, year=today.year)
    national = in_force.get(None) or AssistancePolicy()
    return policy.by_province(
        in_force, region_ref="region__code", value=lambda p: today - dt.timedelta(days=p.visit_days),
        default=today - dt.timedelta(days=national.visit_days), output_field=DateField(),
    )  # fmt: skip


def overdue_visits(*, user, today: dt.date | None = None):
    """Open pairings whose household has not been visited within the policy interval (counted from the pairing's
    start when it was never visited): the compliance list, with ``last_visit`` and ``due`` on each row. The last
    visit is an index lookup per household (visit_household_last), not a GROUP BY over all visits."""
    today = today or timezone.localdate()
    last = (
        Visit.objects.filter(household=OuterRef("household_id"))
        .order_by("-visited_on")
        .values("visited_on")[:1]
    )
    return (
        HouseholdPairing.objects.for_user(user)
        .filter(helped("household__"), ended_on__isnull=True)
        .annotate(
            last_visit=Subquery(last, output_field=DateField()),
            since=Coalesce("last_visit", "started_on"),
            due=_due_dates(today),
        )
        .filter(since__lt=F("due"))
    )


def overdue_counts(pairings):
    """The compliance list summed per village and per cadre (two grouped queries)."""
    per_village = (
        pairings.values("region_id", "region__name").annotate(n=Count("id")).order_by("-n", "region_id")
    )
    per_cadre = (
        pairings.values("cadre_id", "cadre__name", "cadre__unit__name")
        .annotate(n=Count("id"))
        .order_by("-n", "cadre__name")
    )
    return per_village, per_cadre


# Money paid against a measure, recorded by apps above this one (funds' paid payments naming the measure): each
# a function (measure ids) -> {measure id: amount paid}, registered in the app's ready() by ``measure_paid_source``.
MEASURE_PAID_SOURCES: list = []


def measure_paid_source(fn):
    """Register ``fn`` as a source of the money paid per measure (one source of truth for its actual amount)."""
    if fn not in MEASURE_PAID_SOURCES:
        MEASURE_PAID_SOURCES.append(fn)
    return fn


def _paid_for(ids: list[int]) -> dict:
    """Money paid against each of the measures ``ids``, from every registered source (none paid: absent)."""
    paid: dict = {}
    for source in MEASURE_PAID_SOURCES if ids else ():
        for pk, amount in source(ids).items():
            paid[pk] = paid.get(pk, 0) + amount
    return paid


def actual_sum(measures) -> Decimal:
    """The actual money of the queryset ``measures``, counted once: what was paid against each measure where
    payments exist, else the amount entered by hand (``with_paid`` summed in the database)."""
    paid = _paid_for(list(measures.values_list("pk", flat=True)))
    hand = measures.exclude(pk__in=list(paid)).aggregate(s=Sum("actual_amount"))["s"] or Decimal(0)
    return hand + sum(paid.values(), Decimal(0))


def with_paid(measures: list) -> list:
    """Set ``paid`` (money paid against the measure, None where nothing is recorded) and ``actual`` on each
    measure: what was paid where payments exist, else the amount entered by hand — never both (counted once)."""
    paid = _paid_for([m.pk for m in measures])
    for m in measures:
        m.paid = paid.get(m.pk)
        m.actual = m.paid if m.paid is not None else m.actual_amount
    return measures


def household_file(household: Household, year: int) -> dict:
    """一户一档 of assistance for one year: the cadre and helpers, the plan and its measures with totals, the
    suggestions from the catalogue, the household's classes, and the visits (newest first)."""
    pairings = list(
        household.pairings.select_related("cadre__unit")
        .prefetch_related("helpers")
        .order_by("-started_on", "-id")
    )
    plan = household.plans.filter(year=year).select_related("cadre__unit").first()
    measures = with_paid(
        list(plan.measures.select_related("unit").order_by("category", "id")) if plan else []
    )
    profile = profile_of(household)
    return {
        "pairings": pairings,
        "current": next((p for p in pairings if p.ended_on is None), None),
        "plan": plan,
        "measures": measures,
        "planned_total": sum(m.planned_amount for m in measures),
        "actual_total": sum(m.actual or 0 for m in measures),  # payments where they exist, counted once
        "classes": [str(HouseholdClass(c).label) for c in catalogue.household_classes(profile)],
        "suggestions": catalogue.suggest(profile, already=[m.item for m in measures if m.item]),
        "visits": list(household.visits.select_related("cadre").order_by("-visited_on", "-id")[:100]),
    }


def _paid_directly(code: str, year: int) -> Decimal:
    """Money recorded by the apps above as reaching village ``code`` in ``year`` without a measure (the equity's
    money sources: funds' paid payments)."""
    from .equity import MONEY_SOURCES  # equity reads this module's ``helped``

    return sum((sum(source(code, code, year).values(), Decimal(0)) for source in MONEY_SOURCES), Decimal(0))


def village_file(village, year: int) -> dict:
    """What the village page and the poor-village form show: paired units, the work team and its members,
    registered households by status and cause, and the year's resources (measures and supports)."""
    households = Household.objects.filter(region=village)
    by_status = dict(households.values_list("status").annotate(n=Count("id")).order_by())
    in_need = households.filter(helped())
    causes = [
        (Cause(c).label, n)
        for c, n in in_need.values_list("main_cause").annotate(n=Count("id")).order_by("-n", "main_cause")
    ]
    team = WorkTeam.objects.filter(village=village, ended_on__isnull=True).select_related("unit").first()
    measures = Measure.objects.filter(region=village, year=year).exclude(status=MeasureStatus.CANCELLED)
    return {
        "village": village,
        "year": year,
        "pairings": VillagePairing.objects.filter(village=village).select_related("unit").order_by("ended_on", "-started_on"),
        "team": team,
        "members": team.members.select_related("cadre__unit").order_by("ended_on", "role") if team else [],
        "by_status": by_status,
        "helped": in_need.aggregate(h=Count("id"), p=Sum("member_count")),
        "causes": causes,
        # a measure's money is its payments where they exist (counted once); money paid in the village that pays no
        # measure is the funds' part beside the supports
        "measure_sums": {**measures.aggregate(planned=Sum("planned_amount"), n=Count("id")), "actual": actual_sum(measures)},
        "paid_direct": _paid_directly(village.code, year),
        "supports": VillageSupport.objects.filter(village=village, year=year).select_related("unit").order_by("-received_on"),
        "cadres_here": Cadre.objects.filter(region=village, active=True).count(),
    }  # fmt: skip
