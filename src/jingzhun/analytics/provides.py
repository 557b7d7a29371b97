"""What analytics answers for the apps below it (``core.panels.provide``): the statistics' rural population
of villages, the denominator of a village's 贫困发生率 (identification's poor-village rules ask for it)."""

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
