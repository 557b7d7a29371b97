"""Fixtures of assistance: helping units and cadres of 雷山县, and registered households with causes."""

import pytest

from jingzhun.assistance import services
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, TOWN_A, TOWN_B


@pytest.fixture
def units(regions):
    county = Region.objects.get(code=COUNTY)
    return {
        kind: services.unit_create(user=None, name=name, unit_type=kind, level=3, region=county)
        for kind, name in (("health", "县卫健局"), ("education", "县教育局"), ("government", "县委办"))
    }


@pytest.fixture
def cadre(units):
    def _cadre(name="张帮扶", unit="health", town=TOWN_A, skills=(), capacity=None):
        return services.cadre_create(
            user=None, name=name, unit=units[unit], region=Region.objects.get(code=town), skills=skills,
            capacity=capacity,
        )  # fmt: skip

    return _cadre


@pytest.fixture
def poor(register):
    """A registered household of 村 A (or another village) with the given main cause."""

    def _poor(main_cause="illness", region=None, **fields):
        kwargs = {
            "main_cause": main_cause,
            "other_causes": fields.pop("other_causes", []),
            "status": "registered",
        }
        if region:
            kwargs["region"] = region
        return register(identified_year=2014, **kwargs, **fields)

    return _poor


__all__ = ["TOWN_B"]
