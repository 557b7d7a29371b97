"""Reads of assistance: forces with their caseloads, a household's pairings, the households still without a
cadre (compliance), all through the user's scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.rules import ancestor_at, subtree_range
from jingzhun.registry.models import Household

from .models import Cadre, HouseholdPairing
from .services import HELPED_STATUSES, capacity_of, open_loads, policy_for


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
    return Household.objects.for_user(user).filter(status__in=HELPED_STATUSES).filter(~Exists(open_pairing))


def cadres_for(household):
    """Active cadres of the household's county, for the assignment form (a township may pair a household with a
    cadre based in another township of the county; only names and units are shown)."""
    county = ancestor_at(household.region_id, RegionLevel.COUNTY)
    return (
        Cadre.objects.filter(region__code__range=subtree_range(county), active=True)
        .select_related("unit", "region")
        .order_by("region_id", "name")
    )
