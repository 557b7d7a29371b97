"""Reads of the analytics app: the stored rollups for a region, always through the user's scope.

A dashboard is two indexed reads of ``RegionFigures`` — the region's rows across years (once: the years offered,
the year shown and the trend) and its children's rows of the year (index on (year, parent)) — plus one read of the
names of those regions and the region's ancestors, the year's 减贫计划 of the region and its children (one read;
for the whole country its provinces' ≤ 34 summed) and the villages that exited in the year (one count on an index of
the year's decided villages): its cost does not grow with the number of households below the region, and its
number of queries not with the number of child regions (``tests/analytics/test_dashboard.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.http import Http404
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.assistance.models import Plan
from jingzhun.core.codes import subtree_range
from jingzhun.identification.village_selectors import exited_village_count
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import ancestors_of
from jingzhun.regions.selectors import region_for_user
from jingzhun.registry.models import HouseholdYear, ReductionTarget
from jingzhun.registry.selectors import FLOW_YEARS_SHOWN, YearFlow
from jingzhun.registry.targets import Progress, target_of

from . import definitions
from .models import NATIONAL_CODE, RegionFigures
from .sources import STATUS_FLOW_COLUMNS


def years_with_data() -> list[int]:
    """Years for which the registry holds yearly records or plans (what a nightly rollup recomputes)."""
    years = set(HouseholdYear.objects.values_list("year", flat=True).distinct())
    years |= set(Plan.objects.values_list("year", flat=True).distinct())
    return sorted(years)


@dataclass
class Place:
    """One region on a dashboard with its parts and derived values."""

    code: str
    name: str
    level: int
    parts: dict
    values: dict = field(init=False)
    target: ReductionTarget | None = None  # the year's 减贫计划 (children's: for their 完成率 column)

    def __post_init__(self):
        self.values = definitions.derive(self.parts)

    @property
    def plan(self) -> Progress:
        """The year's net exits in persons (rollup parts) against the target; villages on ``Dashboard.plan``."""
        return Progress(
            year=0,
            target=self.target,
            exited_persons=int(self.parts.get("year_exited_persons") or 0),
            returned_persons=int(self.parts.get("year_returned_persons") or 0),
        )

    def display(self, key: str) -> str:
        return definitions.BY_KEY[key].display(self.parts)


@dataclass
class Dashboard:
    """What the dashboard of one region and year shows."""

    year: int
    years: list[int]
    place: Place
    children: list[Place]
    trend: list[tuple[int, dict]]
    breadcrumbs: list[tuple[str, str]]
    computed_at: object
    plan: Progress | None = None
    flows: list[YearFlow] = field(default_factory=list)
    # when each rollup row shown was computed: the region's rows of every year (the trend) and its children's
    # latest; a recompute stores new stamps, so a cache keyed on them cannot serve the old figures
    stamps: tuple = ()


_READ = object()


def plan_progress(*, user, code: str, year: int, parts: dict, target=_READ) -> Progress:
    """The year's 减贫计划 of region ``code`` and its progress: persons from the rollup's parts (exits less
    returns of that business year, as the region page counts them live), villages from identification's
    village records of the year. ``target``: the plan when the caller has read it already (None: none)."""
    lo, hi = ("000000000000", "999999999999") if code == NATIONAL_CODE else subtree_range(code)
    return Progress(
        year=year,
        target=target_of(user=user, code=code, year=year) if target is _READ else target,
        exited_persons=int(parts.get("year_exited_persons") or 0),
        returned_persons=int(parts.get("year_returned_persons") or 0),
        exited_villages=exited_village_count(lo=lo, hi=hi, year=year),
    )


# The rollup part of each 逐年变动 column: status flows in households, 人口变动 in persons (``indicators.flow_parts``).
FLOW_PARTS = {
    f.name: f"year_{f.name}_{'households' if f.name in STATUS_FLOW_COLUMNS else 'persons'}"
    for f in fields(YearFlow)
    if f.name != "year"
}


def year_flows(history) -> list[YearFlow]:
    """逐年变动 of a region from its rollup rows across years (``(year, parts)`` in year order): the same
    columns as the region page counts live for a county and below, the latest years with any change."""
    flows = [
        YearFlow(year, **{n: int(parts.get(key) or 0) for n, key in FLOW_PARTS.items()})
        for year, parts in history
    ]
    return [f for f in flows if any(getattr(f, n) for n in FLOW_PARTS)][-FLOW_YEARS_SHOWN:]


def region_year_flows(*, user, code: str) -> list[YearFlow]:
    """逐年变动 of region ``code`` in the user's scope from the stored rollups: one indexed read of the region's
    rows (only their flow parts)."""
    rows = RegionFigures.objects.for_user(user).filter(code=code).order_by("year")
    keys = list(FLOW_PARTS.values())
    return year_flows((r.year, {k: r.figures.get(k) for k in keys}) for r in rows.only("year", "figures"))


def home_code(user) -> str:
    """The region a user's dashboard opens on: their own region, the whole country for national users."""
    return user.region_id or NATIONAL_CODE


def _names(codes) -> dict[str, str]:
    names = dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))
    names[NATIONAL_CODE] = _("全国")
    return names


def dashboard(*, user, code: str | None = None, year: int | None = None) -> Dashboard | None:
    """The dashboard of ``code`` (default: the user's home region) for ``year`` (default: the latest year
    rolled up). None when nothing has been rolled up for the region yet; 404 outside the user's scope.

    Scope is the scoped queryset's: ``RegionFigures.objects.for_user`` holds only rows in the user's code range
    (the national row only for national users); when it holds none, the region's own scoped lookup tells an
    empty region (None) from one outside the scope (404)."""
    code = code or home_code(user)
    national = user.scope_range() is None
    # the region's rows across years, read once: the years offered, the year shown and the trend
    history = list(
        RegionFigures.objects.for_user(user)
        .filter(code=code)
        .order_by("year")
        .values_list("year", "level", "figures", "computed_at")
    )
    years = [r[0] for r in history]
    if not years:
        if code != NATIONAL_CODE:
            region_for_user(user=user, code=code)
        elif not (national and permissions.may(user, "view")):
            raise Http404
        return None
    year = year if year in years else years[-1]
    _y, level, figures, computed_at = next(r for r in history if r[0] == year)
    child_rows = list(
        RegionFigures.objects.for_user(user)
        .filter(year=year, parent=code)
        .order_by("code")
        .values("code", "level", "figures", "computed_at")
    )
    # dict.fromkeys: a township of a county-less prefecture (东莞) gets the prefecture twice from the code
    above = [] if code == NATIONAL_CODE else list(dict.fromkeys(ancestors_of(code)))
    # one read of the names (the region, its children, its ancestors); an ancestor is in the trail only within
    # the user's scope (the same range as ``Region.objects.for_user``; the user may view: rows were found)
    names = _names([code, *(r["code"] for r in child_rows), *above])
    scope = user.scope_range()
    trail = ([NATIONAL_CODE] if national and code != NATIONAL_CODE else []) + [
        c for c in above if c in names and (scope is None or scope[0] <= c <= scope[1])
    ]
    # the children's plans and the region's own in one read; the whole country's is its provinces' summed
    # (``target_of``'s sum, from the same rows: every province's, whether or not it has a rollup row)
    plans = ReductionTarget.objects.for_user(user).filter(year=year)
    if code == NATIONAL_CODE:
        plans = plans.filter(region__level=RegionLevel.PROVINCE)
    else:
        plans = plans.filter(region_id__in=[r["code"] for r in child_rows] + [code])
    targets = {t.region_id: t for t in plans}
    child_targets = {r["code"]: targets.get(r["code"]) for r in child_rows}
    if code == NATIONAL_CODE:
        own_target = (
            ReductionTarget(
                year=year,
                persons=sum(t.persons for t in targets.values()),
                villages=sum(t.villages for t in targets.values()),
            )
            if targets
            else None
        )
    else:
        own_target = targets.get(code)
    return Dashboard(
        year=year,
        years=years,
        place=Place(code, names.get(code, code), level, figures),
        children=[
            Place(
                r["code"],
                names.get(r["code"], r["code"]),
                r["level"],
                r["figures"],
                child_targets.get(r["code"]),
            )
            for r in child_rows
        ],
        trend=[(y, definitions.derive(parts)) for y, _l, parts, _c in history],
        breadcrumbs=[(c, names.get(c, c)) for c in trail],
        computed_at=computed_at,
        plan=plan_progress(
            user=user,
            code=code,
            year=year,
            parts=figures,
            target=own_target,
        ),
        flows=year_flows((y, parts) for y, _l, parts, _c in history),
        stamps=(
            *((y, c.isoformat()) for y, _l, _p, c in history),
            max((r["computed_at"].isoformat() for r in child_rows), default=""),
        ),
    )


def spending_children(*, user, code: str, year: int, today) -> dict | None:
    """支出进度 of region ``code`` (national: ``NATIONAL_CODE``) and of each of its child regions for ``year``
    from the stored rollup, as the dashboard reads it: the two fund parts of each row (in fen; the rest of the
    figures is not read) with 支出进度 against the time schedule by ``definitions.spending`` (None where nothing is
    allocated), the regions' names and when the rollup was computed. Two indexed reads (the region's row
    and its children's, index (year, parent)) and one of the names, whatever the payments below. None when the
    year has no rollup for the region; the caller checks the scope (the rows are read through ``for_user``)."""
    from django.db.models.fields.json import KT

    parts = {name: KT(f"figures__{name}") for name in ("funds_allocated_fen", "funds_paid_fen")}
    scoped = RegionFigures.objects.for_user(user).filter(year=year)
    own = scoped.filter(code=code).annotate(**parts).values("code", "level", "computed_at", *parts).first()
    if own is None:
        return None
    children = list(
        scoped.filter(parent=code).annotate(**parts).values("code", "level", *parts).order_by("code")
    )
    names = _names([code, *(r["code"] for r in children)])

    def row(r: dict) -> dict:
        return {
            "code": r["code"],
            "name": names.get(r["code"], r["code"]),
            "level": r["level"],
            "parts": {name: int(r[name] or 0) for name in parts},
            "spending": definitions.spending({name: r[name] for name in parts}, year=year, today=today),
        }

    return {"place": row(own), "children": [row(r) for r in children], "computed_at": own["computed_at"]}
