"""Fixtures of 疑点数据核查: the scope of a county's check in 2026 (with the year's line), and a way to plant a
mistake in a household as legacy data would hold it (written past the services, which would refuse it)."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.quality.rules import BY_CODE, Scope
from tests.conftest import COUNTY, member, new_id, year

YEAR = 2026


@pytest.fixture
def scope(line_2026):
    return Scope(region_code=COUNTY, year=YEAR, line=Decimal("4000"), today=dt.date.today())


def found(code: str, scope: Scope) -> set[int]:
    """The ids of the rows breaking rule ``code`` in ``scope``."""
    return set(BY_CODE[code].offenders(scope).values_list("pk", flat=True))


@pytest.fixture
def family(register):
    """A household registered in 2026 (head, spouse, a son at school); keyword arguments go to ``register``."""

    def _family(members=None, years=None, **fields):
        return register(
            members=members or [
                member(), member("spouse", name="吴秀英", id_number=new_id(male=False)),
                member("son", name="杨小明", id_number=new_id(dt.date(2015, 3, 1)), education="primary",
                       schooling="primary", labour="none", pension_insurance=False),
            ],
            years=years or [year(year=YEAR, wage="20000")],
            **fields,
        )  # fmt: skip

    return _family


def head_of(household):
    return household.members.get(relationship="head")


def spouse_of(household):
    return household.members.get(relationship="spouse")
