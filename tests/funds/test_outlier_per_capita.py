"""The outlier rule (户均 → 人均, issue 21): support per person (payments ÷ household size) against the county's
median per person, the same on the database path and on the snapshot (DuckDB); exactly at the policy's factor
is not an outlier, a fen above it is."""

from decimal import Decimal

import pytest

from jingzhun.funds import alerts, alerts_sql
from jingzhun.funds.choices import AlertKind
from jingzhun.funds.snapshot import write_funds
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_bank_account_set
from tests.conftest import COUNTY

from .conftest import YEAR
from .test_alerts import households, kinds, pay  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(chain, finance, households, register, users):  # noqa: F811
    """Seven households: five of 2 persons paid 1,000 (500 a person: the median), one of 4 paid 6,000 (1,500 a
    person: exactly 3 × the median), one of 1 paid 1,500.01 (a fen a person above it)."""
    big, single = register(), register()
    sized = [(h, 2, "1000") for h in households[:5]] + [(big, 4, "6000"), (single, 1, "1500.01")]
    for h, persons, amount in sized:
        Household.objects.filter(pk=h.pk).update(member_count=persons)
        if not h.bank_account:
            household_bank_account_set(user=users["national"], household=h, bank_name="信用社",
                                       bank_account=f"6217002871{h.pk:09d}")  # fmt: skip
        pay(finance, chain, Household.objects.get(pk=h.pk), amount)
    return {"big": big, "single": single}


def test_the_rule_compares_support_per_person_at_the_threshold(paid):
    found = kinds(alerts.find(region=COUNTY, year=YEAR), AlertKind.OUTLIER)
    # the household of 4 with 6,000 (the most money, 1,500 a person) is not an outlier; the single person is
    assert [a.household_id for a in found] == [paid["single"].pk]
    (alert,) = found
    assert (
        alert.evidence["per_capita"] == "1500.01" and alert.evidence["county_median_per_capita"] == "500.00"
    )
    assert alert.evidence["persons"] == 1 and "人均补助 1500.01 元" in alert.summary


def test_the_snapshot_engine_agrees_at_the_threshold(paid, tmp_path):
    root = tmp_path / str(YEAR)
    write_funds(YEAR, root)
    db = kinds(alerts.find(region=COUNTY, year=YEAR), AlertKind.OUTLIER)
    run = alerts_sql.find(root, year=YEAR, today=None, region=COUNTY, engine="duckdb")
    found = [a for a in run.alerts if a.kind == AlertKind.OUTLIER]
    assert [(a.household_id, a.summary, a.evidence) for a in found] == [
        (a.household_id, a.summary, a.evidence) for a in db
    ]
    assert Decimal(found[0].evidence["per_capita"]) == Decimal("1500.01")


def test_the_equity_page_shows_the_median_the_alert_compares_with(paid, client, users):
    """One source of truth for money per person of a household: the county median the equity page shows is the
    number in the outlier alert's evidence."""
    (alert,) = kinds(alerts.find(region=COUNTY, year=YEAR), AlertKind.OUTLIER)
    client.force_login(users["national"])
    page = client.get(f"/assistance/equity/?county={COUNTY}&year={YEAR}").content.decode()
    shown = page.split('id="household-median"')[1].split(">", 1)[1].split("<", 1)[0]
    assert shown == alert.evidence["county_median_per_capita"] == "500.00"
