"""What analytics answers for the apps below it (``core.panels.provide``): the statistics' rural population
of villages, the denominator of a village's 贫困发生率 (identification's poor-village rules ask for it), the
address of a region's dashboard for a year (the registry's 减贫计划 links there above a county) and, above a
county, a region's 逐年变动 from the rollups (the registry's region page counts them live only below) and, above
a county, 支出进度 of a region and its children from the rollups (the funds home page of an upper-level user)."""

from django.urls import reverse

from jingzhun.core.panels import provide

from . import selectors
from .models import RuralPopulation


@provide("village.rural_population")
def rural_population(*, lo: str, hi: str, year: int) -> dict[str, int]:
    """农村户籍人口 of each village with a figure in the code range and year (one query)."""
    return dict(
        RuralPopulation.objects.filter(region__code__range=(lo, hi), year=year).values_list(
            "region_id", "persons"
        )
    )


@provide("region.dashboard_url")
def dashboard_url(*, code: str, year: int) -> str:
    """The dashboard (统计分析) of region ``code`` for ``year``."""
    return reverse("analytics:dashboard") + f"?region={code}&year={year}"


@provide("region.year_flows")
def region_year_flows(*, user, code: str) -> list:
    """逐年变动 (registry.selectors.YearFlow per business year) of region ``code`` from the stored rollups."""
    return selectors.region_year_flows(user=user, code=code)


@provide("region.spending")
def region_spending(*, user, code: str, year: int, today) -> dict | None:
    """支出进度's parts (fen) of region ``code`` and its children for ``year`` from the stored rollup, with names
    the share paid against the time schedule as of ``today`` and the time it was computed
    (``selectors.spending_children``); None when there is no rollup yet."""
    return selectors.spending_children(user=user, code=code, year=year, today=today)
