"""What analytics answers for the apps below it (``core.panels.provide``): the statistics' rural population
of villages, the denominator of a village's 贫困发生率 (identification's poor-village rules ask for it), and the
address of a region's dashboard for a year (the registry's 减贫计划 links there above a county)."""

from django.urls import reverse

from jingzhun.core.panels import provide

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
