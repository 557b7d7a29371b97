"""Reads of poor villages (贫困村): each village's status in a year, the figures the rules judge it on, and the
rules' verdicts — for a county's or township's villages at once, set-based (a handful of queries for all the
villages of a county, none per village).

Where the figures come from:

- registered poor persons: the registry's households whose status at the end of the year (``registry.status``)
  is 在册 or 返贫, their persons summed per village — one grouped query;
- rural population (农村户籍人口): the statistics' ``analytics.RuralPopulation``, asked through the provider
  ``village.rural_population`` (analytics sits above identification) — one query;
- collective income, farmers' per-capita net income, the exit checklist and what was decided: ``VillageYear``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef, Sum
from django.utils.translation import gettext

from jingzhun.core import policy
from jingzhun.core.panels import provided
from jingzhun.regions.choices import RegionKind, RegionLevel, Zone
from jingzhun.regions.models import Region
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household
from jingzhun.registry.status import with_status_at_end_of

from . import rules
from .choices import Stage, VillageStatus
from .models import VillagePolicy, VillageStep, VillageYear

POOR_STATUSES = (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED)
OPEN_EXIT_STAGES = frozenset({Stage.VILLAGE_PROPOSED, Stage.VILLAGE_PUBLICITY, Stage.COUNTY_APPROVED})
LOCKED_STAGES = frozenset({Stage.VILLAGE_PUBLICITY, Stage.COUNTY_APPROVED, Stage.ANNOUNCED})


def village_policy(*, region_code: str, year: int) -> VillagePolicy:
    """The standard in force for a place and year: the province's row, else the nation's (carried forward), else
    the model's defaults (2×, 60 %, 一无, 2 % / west 3 %, strictly below)."""
    return policy.in_force(VillagePolicy, region_code=region_code, year=year, defaults=True)


def is_west(region_code: str) -> bool:
    """西部: the zone kept on the province's region row (data, not a list in code)."""
    province = policy.province_of(region_code)
    return bool(province) and Region.objects.filter(code=province, zone=Zone.WEST).exists()


def poor_persons(*, lo: str, hi: str, year: int) -> dict[str, int]:
    """Registered poor persons (在册 or 返贫 at the end of ``year``) per village of the code range: one query."""
    rows = (
        with_status_at_end_of(Household.objects.filter(region__code__range=(lo, hi)), year)
        .filter(year_end_status__in=POOR_STATUSES)
        .values("region_id")
        .annotate(n=Sum("member_count"))
        .order_by()
    )
    return {r["region_id"]: r["n"] or 0 for r in rows}


def rural_population(*, lo: str, hi: str, year: int) -> dict[str, int]:
    """农村户籍人口 per village of the code range in ``year`` (empty where no app provides the figures)."""
    return provided("village.rural_population", lambda **_kw: {})(lo=lo, hi=hi, year=year)


def statuses_in(*, lo: str, hi: str, year: int) -> dict[str, str]:
    """Each village's status in ``year``: the latest status decided at or before it (one query); villages never
    decided are absent (非贫困村)."""
    found: dict[str, str] = {}
    rows = (
        VillageYear.objects.filter(region__code__range=(lo, hi), year__lte=year)
        .exclude(status="")
        .order_by("region_id", "-year")
        .values_list("region_id", "status")
    )
    for code, status in rows:
        found.setdefault(code, status)
    return found


def status_in(village_code: str, year: int) -> str:
    return statuses_in(lo=village_code, hi=village_code, year=year).get(village_code, VillageStatus.NON_POOR)


def poor_village_count(region: Region | None, year: int) -> int:
    """How many villages of the region were 贫困村 in ``year`` (the register and dashboards show it)."""
    lo, hi = region.subtree_range() if region is not None else ("000000000000", "999999999999")
    return poor_villages_in(lo, hi, year=year)


def poor_villages_in(lo: str, hi: str, *, year: int) -> int:
    """How many villages of the code range were 贫困村 in ``year``: a village's 贫困村 row at or before ``year``
    with no later decided status up to it (counted once per state of the villages' records: ``_counted``)."""
    return _counted("poor-villages", lo, hi, year, _count_poor_villages)


def exited_village_count(*, lo: str, hi: str, year: int) -> int:
    """How many villages of the code range exited (贫困村退出 announced, status 已退出) in ``year``: one count on
    the index villageyear_year_status (the 减贫计划's villages, on the region page and the dashboards), counted
    once per state of the villages' records (``_counted``)."""
    return _counted("exited-villages", lo, hi, year, _count_exited_villages)


# a new stamp makes a new key; the expiry bounds the one staleness a stamp misses — a write committed after a later
# one (its older updated_at is not the max): ten minutes, like any rollup figure waiting for its refresh
VILLAGE_COUNTS_CACHE_SECONDS = 600


def _counted(kind: str, lo: str, hi: str, year: int, count) -> int:
    """``count(lo, hi, year)`` read from the cache under the latest ``updated_at`` of any village year (one read
    of the index ``villageyear_updated``): every write of a village's status saves its row (``villages._save``),
    so a designation or an exit announced anywhere gives a new key and the next page counts afresh. Why:
    nationally the poor-village count reads ~128,000 poor villages against ~4 M village years — 1.7 s on
    PostgreSQL — and the exits of a year ~25,000 index entries (22 ms), on every national dashboard request
    (issue 24's 100 ms p95)."""
    stamp = VillageYear.objects.aggregate(last=Max("updated_at"))["last"]
    if stamp is None:
        return 0
    key = f"{kind}:{lo}:{hi}:{year}:{stamp.timestamp():.6f}"
    return cache.get_or_set(key, lambda: count(lo, hi, year), VILLAGE_COUNTS_CACHE_SECONDS)


def _count_poor_villages(lo: str, hi: str, year: int) -> int:
    later = VillageYear.objects.filter(
        region_id=OuterRef("region_id"), year__gt=OuterRef("year"), year__lte=year
    ).exclude(status="")
    return (
        VillageYear.objects.filter(region__code__range=(lo, hi), year__lte=year, status=VillageStatus.POOR)
        .exclude(Exists(later))
        .count()
    )


def _count_exited_villages(lo: str, hi: str, year: int) -> int:
    return VillageYear.objects.filter(
        year=year, status=VillageStatus.EXITED, region__code__range=(lo, hi)
    ).count()


@dataclass
class VillageRow:
    """One village in one year, with its figures and the rules' verdict: the designation suggestion while it is
    not a poor village, the exit verdict while it is one."""

    village: Region
    year: int
    status: str
    record: VillageYear | None
    poor_persons: int
    population: int | None
    designation: rules.VillageVerdict | None = None
    exit: rules.VillageVerdict | None = None
    threshold: Decimal | None = None
    extra: dict = field(default_factory=dict)

    @property
    def incidence(self) -> Decimal | None:
        return rules.percent(self.poor_persons, self.population)

    @property
    def status_label(self) -> str:
        return str(VillageStatus(self.status).label)

    @property
    def stage(self) -> str:
        return self.record.exit_stage if self.record is not None else ""

    @property
    def stage_label(self) -> str:
        return str(Stage(self.stage).label) if self.stage else ""

    @property
    def decided_this_year(self) -> bool:
        return self.record is not None and bool(self.record.status)

    @property
    def suggested(self) -> bool:
        """The rules suggest designating it (一高一低一无 all met)."""
        return self.designation is not None and self.designation.met

    @property
    def exit_open(self) -> bool:
        return self.stage in OPEN_EXIT_STAGES

    @property
    def figures_locked(self) -> bool:
        """On a list, waiting for the 公告, or announced: the year's figures are what was shown."""
        return self.stage in LOCKED_STAGES


def village_rows(villages: Iterable[Region], *, year: int) -> list[VillageRow]:
    """The villages (one county's or township's) in ``year`` with their figures and verdicts. The queries are
    fixed in number whatever the count: statuses, records, poor persons, population, policy."""
    villages = sorted(villages, key=lambda v: v.code)
    if not villages:
        return []
    lo, hi = villages[0].code, villages[-1].code
    statuses = statuses_in(lo=lo, hi=hi, year=year)
    records = {r.region_id: r for r in VillageYear.objects.filter(region__code__range=(lo, hi), year=year)}
    poor = poor_persons(lo=lo, hi=hi, year=year)
    population = rural_population(lo=lo, hi=hi, year=year)
    standard = village_policy(region_code=lo, year=year)
    west = is_west(lo)
    rows = []
    for v in villages:
        record = records.get(v.code)
        row = VillageRow(
            village=v, year=year, status=statuses.get(v.code, VillageStatus.NON_POOR), record=record,
            poor_persons=poor.get(v.code, 0), population=population.get(v.code),
            threshold=rules.exit_threshold(standard, west=west),
        )  # fmt: skip
        if row.status == VillageStatus.POOR or row.stage == Stage.ANNOUNCED:
            row.exit = rules.village_exit_verdict(
                poor_persons=row.poor_persons, population=row.population, policy=standard, west=west,
                checklist=record.checklist if record is not None else {},
            )  # fmt: skip
        if row.status == VillageStatus.NON_POOR:  # a suggestion only for a village not (yet) designated
            row.designation = rules.designation_verdict(
                poor_persons=row.poor_persons, population=row.population, policy=standard,
                per_capita_income=record.per_capita_income if record is not None else None,
                collective_income=record.collective_income if record is not None else None,
            )  # fmt: skip
        rows.append(row)
    return rows


def villages_under(region: Region) -> list[Region]:
    """The 村 of a county or township (one query): every village-level unit but the urban 居委会, which carry no
    poor households in most provinces (DOMAIN.md §1)."""
    lo, hi = region.subtree_range()
    return list(
        Region.objects.filter(code__range=(lo, hi), level=RegionLevel.VILLAGE)
        .exclude(kind=RegionKind.NEIGHBOURHOOD)
        .order_by("code")
    )


def village_row(village: Region, *, year: int) -> VillageRow:
    return village_rows([village], year=year)[0]


def village_steps(village: Region) -> list[VillageStep]:
    """Every step on the village's years, newest first."""
    return list(
        VillageStep.objects.filter(village_year__region=village)
        .select_related("village_year")
        .order_by("-at", "-id")[:200]
    )


def checklist_items(*, region_code: str, year: int) -> list[tuple[str, str]]:
    return [
        (k, gettext(label))
        for k, label in village_policy(region_code=region_code, year=year).exit_checklist or []
    ]
