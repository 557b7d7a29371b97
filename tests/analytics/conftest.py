"""A small registry with known answers, rolled up for real: the indicators read committed rows through ADBC,
so these tests run in transactions that commit (``transactional_db``)."""

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.identification.services import poverty_line_set
from jingzhun.registry.models import StatusSource
from jingzhun.registry.status import status_change
from tests.conftest import VILLAGE_A, VILLAGE_B, member, new_id, year

LINE = 3000
YEAR = 2015


def _year(net: int, **overrides) -> dict:
    fields = {"water_safe": True, "house_grade": "A", **overrides}
    return year(year=YEAR, wage=str(net), business="0", business_expense="0", transfer_dibao="0", **fields)


@pytest.fixture
def small_registry(transactional_db, register):
    """Five households whose figures are worked out by hand in the tests:

    H1 村A 在册 2 persons, per capita 500 (income- and food-deprived);
    H2 村A 已脱贫 3 persons, per capita 4000, unsafe water only;
    H3 村B 返贫 2 persons, per capita 2000, a child of 10 out of school, the head without 大病保险;
    H4 村B 在册 1 person, no record for the year;
    H5 村A 已注销 (not counted).

    Each entered the registry in ``YEAR`` (识别年度, the business year of its status row) — H3 the year before,
    exiting then and returning in ``YEAR`` — and H5 was cancelled in that year through the status history, so
    the year-end status of ``YEAR`` is the status above.
    """
    poverty_line_set(user=None, year=YEAR, amount=Decimal(LINE), source="测试")
    entered = register
    register = lambda region, **fields: entered(region, identified_year=YEAR, **fields)  # noqa: E731
    two = lambda: [member(), member("spouse", name="吴秀英", id_number=new_id(male=False))]  # noqa: E731
    h1 = register(VILLAGE_A, members=two(), years=[_year(1000)], main_cause="illness", attribute="dibao")
    h2 = register(
        VILLAGE_A,
        members=[*two(), member("son", name="杨小明", id_number=new_id(dt.date(1995, 1, 1)))],
        years=[_year(12000, water_safe=False, house_grade="B")],
        status="exited",
        exit_year=YEAR,
    )
    h3 = entered(  # identified and exited in the year before, back to poverty in YEAR
        VILLAGE_B,
        identified_year=YEAR - 1,
        exit_year=YEAR - 1,
        history_year=YEAR,
        members=[
            member(serious_illness_insurance=False),
            member(
                "son",
                name="杨小东",
                id_number=new_id(dt.date(2005, 3, 1)),
                education="primary",
                schooling="none",
                labour="none",
            ),
        ],
        years=[_year(4000)],
        status="returned",
        main_cause="education",
    )
    h4 = register(VILLAGE_B, members=[member()], years=[], main_cause="lack_labour")
    h5 = register(VILLAGE_A, members=[member()], years=[_year(100)])
    status_change([h5], to="cancelled", source=StatusSource.CANCELLATION, business_year=YEAR)
    return {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5}
