"""Demo data of 一户一策 for a county (used by ``jingzhun demo-assistance``): units paired with villages (two
units concentrating on a few villages, as happens), work teams, a plan for every paired household with measures
taken from the catalogue's suggestions, visits (some households overdue), and village-level resources. Written
with bulk inserts and one audit insert per table: the demo county has thousands of households."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, HouseholdYear, Member

from . import catalogue
from .choices import MeasureStatus, PairingForm, SupportKind, TeamRole
from .models import (
    Cadre,
    HelpingUnit,
    HouseholdPairing,
    Measure,
    Plan,
    TeamMember,
    VillagePairing,
    VillageSupport,
    Visit,
    WorkTeam,
)
from .selectors import helped

# Typical yuan per measure (a household's share), by category.
AMOUNTS = {
    "production": 5000, "relocation": 60000, "ecology": 10000, "education": 3000, "social_security": 3600,
    "employment": 1500, "health": 2000, "housing": 35000, "finance": 50000, "public_post": 6000,
    "consumption": 2000, "asset_income": 800,
}  # fmt: skip


def _audited(model, rows):
    made = model.objects.bulk_create(rows, batch_size=2000)
    audit.record_many(audit.entry_for(AuditAction.CREATE, r, after=audit.snapshot(r)) for r in made)
    return made


def seed_villages(county: Region, units: list[HelpingUnit], rng: random.Random) -> list[Region]:
    """Every village gets a paired county unit; the three units from above the county (provincial, prefectural,
    enterprise) all concentrate on the same two villages; the first twelve villages get a work team led by a
    randomly chosen cadre of the county as 第一书记."""
    villages = list(Region.objects.filter(code__range=county.subtree_range(), level=5).order_by("code"))
    start = timezone.localdate().replace(month=1, day=1)
    pairs = [VillagePairing(village=v, unit=units[i % 5], form=PairingForm.PAIRED, started_on=start)
             for i, v in enumerate(villages)]  # fmt: skip
    favoured = rng.sample(villages, 2)
    pairs += [VillagePairing(village=v, unit=u, form=PairingForm.FIXED, started_on=start)
              for v in favoured for u in units[5:]]  # fmt: skip
    _audited(VillagePairing, pairs)
    cadres = list(Cadre.objects.filter(region__code__range=county.subtree_range()).order_by("id"))
    chosen = list(zip(villages[:12], rng.sample(cadres, min(12, len(cadres))), strict=False))
    teams = _audited(WorkTeam, [WorkTeam(village=v, unit=units[4], started_on=start) for v, _ in chosen])
    _audited(TeamMember, [TeamMember(team=t, cadre=c, role=TeamRole.FIRST_SECRETARY, started_on=start)
                          for t, (_, c) in zip(teams, chosen, strict=True)])  # fmt: skip
    return favoured


def seed_plans(
    county: Region, units: list[HelpingUnit], favoured: list[Region], rng: random.Random
) -> tuple[int, int, int]:
    """A plan for this year for every paired household, two or three suggested measures each; visits for most."""
    today = timezone.localdate()
    year = today.year
    subtree = county.subtree_range()
    households = list(
        Household.objects.filter(helped(), region__code__range=subtree).values_list(
            "id", "region_id", "main_cause", "other_causes"
        )
    )
    cadre_of = dict(HouseholdPairing.objects.filter(region__code__range=subtree, ended_on__isnull=True)
                    .values_list("household_id", "cadre_id"))  # fmt: skip
    people: dict[int, list[tuple[str, str, str]]] = {}
    for hid, labour, health, schooling in Member.objects.filter(
        household__region__code__range=subtree, is_active=True
    ).values_list("household_id", "labour", "health", "schooling"):
        people.setdefault(hid, []).append((labour, health, schooling))
    grades = dict(HouseholdYear.objects.filter(household__region__code__range=subtree)
                  .order_by("household_id", "year").values_list("household_id", "house_grade"))  # fmt: skip
    plans, picks = [], []
    for hid, region_id, main, others in households:
        if hid not in cadre_of:
            continue
        m = people.get(hid, [])
        profile = catalogue.Profile(main, tuple(others or ()), tuple(x[0] for x in m), tuple(x[1] for x in m),
                                    tuple(x[2] for x in m), grades.get(hid) or "")  # fmt: skip
        plans.append(Plan(household_id=hid, region_id=region_id, year=year, cadre_id=cadre_of[hid],
                          goal="年底人均纯收入稳定超过脱贫标准，两不愁三保障"))  # fmt: skip
        picks.append([s.item for s in catalogue.suggest(profile)][: rng.choice((2, 3))])
    plans = _audited(Plan, plans)
    favoured_codes = {v.code for v in favoured}
    measures = []
    for plan, items in zip(plans, picks, strict=True):
        for item in items:
            amount = Decimal(AMOUNTS[item.category] * rng.choice((1, 1, 1, 2)))
            unit = rng.choice(units[5:]) if plan.region_id in favoured_codes else rng.choice(units[:5])
            if plan.region_id in favoured_codes:
                amount *= 4  # well-connected units spend more on "their" villages
            status = rng.choices(
                [MeasureStatus.DONE, MeasureStatus.ONGOING, MeasureStatus.PLANNED], (5, 3, 2)
            )[0]
            measures.append(Measure(
                plan=plan, region_id=plan.region_id, year=year, category=item.category, item=item.key,
                content=str(item.label), planned_amount=amount,
                actual_amount=amount if status == MeasureStatus.DONE else None, responsible=unit.name, unit=unit,
                starts_on=dt.date(year, rng.randint(1, 6), 1), status=status,
            ))  # fmt: skip
    _audited(Measure, measures)
    visits = []
    for plan in plans:
        if rng.random() < 0.12:
            continue  # not visited: these show on the compliance list
        for _ in range(rng.choice((1, 2, 3))):
            visits.append(Visit(household_id=plan.household_id, region_id=plan.region_id, cadre_id=plan.cadre_id,
                                visited_on=today - dt.timedelta(days=rng.randint(0, 50)),
                                content=rng.choice(("了解收入和务工情况", "宣讲政策，核对帮扶措施", "了解病情和报销情况",
                                                    "查看产业项目进展", "核实住房和饮水安全"))))  # fmt: skip
    _audited(Visit, visits)
    return len(plans), len(measures), len(visits)


def seed_supports(
    county: Region, units: list[HelpingUnit], favoured: list[Region], rng: random.Random
) -> int:
    """Village-level resources this year: modest funds for a third of the villages, large projects in the two
    villages the well-connected units favour."""
    year = timezone.localdate().year
    villages = list(Region.objects.filter(code__range=county.subtree_range(), level=5).order_by("code"))
    rows = [VillageSupport(village=v, year=year, unit=rng.choice(units[:5]), kind=SupportKind.FUNDS,
                           amount=Decimal(rng.randrange(20000, 80000, 1000)), description="村级产业和基础设施")
            for v in villages if rng.random() < 0.33]  # fmt: skip
    rows += [VillageSupport(village=v, year=year, unit=u, kind=SupportKind.PROJECT, amount=Decimal(800000),
                            description="产业园和村容村貌提升项目") for v in favoured for u in units[5:]]  # fmt: skip
    return len(_audited(VillageSupport, rows))
