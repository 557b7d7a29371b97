"""Funds on the 工作台 and in the year cycle, and fund rules as policy data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.core.worklist import work_for
from jingzhun.funds import services
from jingzhun.funds.models import FundRule
from jingzhun.registry.yearcycle import open_items
from tests.conftest import COUNTY

from .conftest import YEAR


@pytest.fixture
def pending(chain, finance, paid_household):
    return services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="500",
        purpose="奖补",
    )


def test_finance_finds_payments_to_approve_and_the_year_stays_open(pending, finance, paid_household):
    items = {i.label: i for i in work_for(finance)}
    assert items["待审核的资金支出"].count == 1 and "status=pending" in items["待审核的资金支出"].url
    unpaid = [i for i in open_items(county=COUNTY, year=YEAR) if i.label == "未支付完毕的扶贫资金支出"]
    assert unpaid and unpaid[0].per_village == {paid_household.region_id: 1}


def test_policy_rows_decide_the_rules(chain, finance, users):
    with pytest.raises(ValidationError, match="合计须为 100%"):
        services.rule_set(
            user=users["national"],
            year=YEAR,
            source="central",
            stages=[["start", "0.5"], ["accepted", "0.4"]],
        )
    services.rule_set(user=users["national"], year=YEAR, province="520000000000", source="central",
                      management_fee_share="0.005", forbidden=[])  # fmt: skip
    rule = FundRule.objects.get(year=YEAR, province="520000000000", fund_source="central")
    assert rule.management_fee_share == Decimal("0.005")
    pay = lambda amount: services.fee_payment_create(  # noqa: E731
        user=finance, allocation=chain["county"], amount=amount, purpose="评审", payee_name="乡村振兴局",
        bank_name="农行", bank_account="6228480000000000002",
    )  # fmt: skip
    pay("3000")  # 0.5 % of 600,000
    with pytest.raises(ValidationError, match=r"0\.5%"):
        pay("0.01")
    assert dt.date.today().year == YEAR
