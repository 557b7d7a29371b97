"""Pages open on the latest year that has data in the reader's scope, not on the calendar year; ?year= still
chooses."""

from urllib.parse import unquote

import pytest
from django.test import RequestFactory
from django.utils import timezone

from jingzhun.core.params import chosen_year
from jingzhun.regions.models import Region
from jingzhun.registry.selectors import latest_data_year
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A, VILLAGE_B, year

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def two_villages(register):
    """村 A with records up to 2016, 村 B (西江镇) with one of 2019."""
    a = register(VILLAGE_A, years=[year(year=2015), year(year=2016)])
    b = register(VILLAGE_B, years=[year(year=2019)])
    return a, b


def test_latest_year_is_that_of_the_records_the_user_sees(users, two_villages):
    a, _b = two_villages
    assert latest_data_year(user=users["county"]) == 2019
    assert latest_data_year(user=users["national"]) == 2019
    assert latest_data_year(user=users["town_a"]) == 2016  # 西江镇's 2019 is outside its scope
    assert latest_data_year(user=users["county"], region=Region.objects.get(code=TOWN_A)) == 2016
    assert latest_data_year(user=users["county"], household=a) == 2016


def test_latest_year_without_records_is_this_year(users):
    assert latest_data_year(user=users["county"]) == THIS_YEAR


def test_latest_year_prefers_the_recent_years(users, register):
    register(VILLAGE_A, years=[year(year=2015), year(year=THIS_YEAR - 1)])
    assert latest_data_year(user=users["county"]) == THIS_YEAR - 1


@pytest.mark.parametrize(("query", "expected"), [("", 2016), ("?year=2015", 2015), ("?year=19x", 2016)])
def test_chosen_year_asks_the_default_only_when_no_year_is_given(query, expected):
    asked = []
    request = RequestFactory().get(f"/{query}")
    assert chosen_year(request, lambda: asked.append(1) or 2016) == expected
    assert bool(asked) == (expected == 2016)
    assert chosen_year(RequestFactory().get("/")) == THIS_YEAR


def _filename(response) -> str:
    return unquote(response["Content-Disposition"])


def test_card_and_register_open_on_the_latest_year_with_data(client, users, two_villages):
    a, _b = two_villages
    client.force_login(users["county"])
    assert "-2016" in _filename(client.get(f"/reports/households/{a.pk}/card.pdf"))
    assert "-2015" in _filename(client.get(f"/reports/households/{a.pk}/card.pdf?year=2015"))
    assert "-2016" in _filename(client.get(f"/reports/villages/{VILLAGE_A}/register.xlsx"))
    assert "-2019" in _filename(client.get(f"/reports/villages/{VILLAGE_B}/register.xlsx"))


def test_region_page_quotas_and_equity_open_on_the_latest_year(client, users, two_villages):
    client.force_login(users["county"])
    page = client.get(f"/regions/{COUNTY}/").content.decode()
    assert "2019 年减贫计划" in page and "2019 年度：查看未完成的事项" in page
    assert "2018 年减贫计划" in client.get(f"/regions/{COUNTY}/?year=2018").content.decode()
    assert client.get("/identification/quotas/").context["year"] == 2019
    assert client.get("/identification/quotas/?year=2017").context["year"] == 2017
    assert client.get(f"/assistance/equity/?county={COUNTY}").context["year"] == 2019
    client.force_login(
        users["town_a"]
    )  # 西江镇's 2019 is not in its scope: 丹江镇 sees the county's equity in 2016
    assert client.get(f"/assistance/equity/?county={COUNTY}").context["year"] == 2016
