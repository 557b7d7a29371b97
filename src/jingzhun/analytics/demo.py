"""Demo data of the analytics app: a rural population per village of the demo county (the incidence needs
it), drawn so that the county's incidence lies where poor counties' did (about 10–30 %)."""

from __future__ import annotations

import random

from django.db.models import Sum

from jingzhun.regions.models import Region
from jingzhun.registry.choices import COUNTED_STATUSES
from jingzhun.registry.models import Household

from .models import RuralPopulation


def seed_population(county: Region, *, years: list[int], seed: int) -> int:
    """One ``RuralPopulation`` per village and year (bulk insert); villages without registered households
    get a population too, as every village has one."""
    rng = random.Random(seed)
    registered = dict(
        Household.objects.in_region(county)
        .filter(status__in=COUNTED_STATUSES)
        .values_list("region_id")
        .annotate(n=Sum("member_count"))
    )
    villages = Region.objects.in_region(county).filter(level=5).values_list("code", flat=True)
    base = {
        code: int(registered.get(code, 0) / rng.uniform(0.2, 0.45)) or rng.randint(300, 1500)
        for code in villages
    }
    rows = [
        RuralPopulation(region_id=code, year=year, persons=int(persons * (1 + 0.01 * (year - min(years)))))
        for year in years
        for code, persons in base.items()
    ]
    RuralPopulation.objects.bulk_create(rows, batch_size=5000)
    return len(base)
