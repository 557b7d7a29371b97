"""Money from the central fund to a project and a household: every refusal says why in Chinese and changes
nothing; balances and reconciliation hold at every level."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.funds import services
from jingzhun.funds.choices import PaymentStatus
from jingzhun.funds.models import Allocation, Fund, Payment
from jingzhun.funds.reconcile import differences
from jingzhun.projects.models import Project
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Member
from tests.conftest import COUNTY, VILLAGE_B2, new_id

from .conftest import YEAR, receipt


def balances(chain):
    return {k: type(v).objects.get(pk=v.pk).balance for k, v in chain.items()}


def refused(chain, write, match):
    before, payments = balances(chain), Payment.objects.count()
    with pytest.raises(ValidationError) as exc:
        write()
    assert match in " ".join(exc.value.messages)
    assert balances(chain) == before and Payment.objects.count() == payments


def test_balances_follow_the_money_down_the_levels(chain):
    assert balances(chain) == {
        "fund": Decimal("6000000.00"), "province": Decimal("3000000.00"), "city": Decimal("400000.00"),
        "county": Decimal("600000.00"),
    }  # fmt: skip
    assert differences() == []


def test_an_allocation_beyond_the_balance_is_refused(chain, users):
    refused(
        chain,
        lambda: services.allocations_fix(
            user=users["national"],
            holder=chain["city"],
            amounts={"522634000000": "400000.01"},
            document_number="x",
        ),
        "超过可分配余额",
    )


def test_factor_preview_adds_up_exactly_and_writes_nothing(chain, users, register):
    register()
    rows = services.allocation_preview(user=users["national"], holder=chain["province"], amount="1000000.03")
    assert sum(r["amount"] for r in rows) == Decimal("1000000.03")
    assert {r["region"].code for r in rows} >= {"522600000000"}
    assert Allocation.objects.count() == 3


def test_a_forbidden_category_is_refused(chain, finance, project):
    refused(
        chain,
        lambda: services.project_payment_create(
            user=finance,
            allocation=chain["county"],
            project=project,
            stage="start",
            amount="10000",
            purpose="购车",
            payee_name="某汽车公司",
            bank_name="农行",
            bank_account="6228480000000000001",
            category="vehicles",
            **receipt(),
        ),
        "禁止列支",
    )


def test_the_management_fee_above_one_percent_is_refused(chain, finance):
    pay = lambda amount: services.fee_payment_create(  # noqa: E731
        user=finance, allocation=chain["county"], amount=amount, purpose="项目评审", payee_name="雷山县扶贫办",
        bank_name="农行", bank_account="6228480000000000002",
    )  # fmt: skip
    pay("5000")
    pay("1000")  # cumulative 6,000 = 1 % of 600,000
    refused(chain, lambda: pay("0.01"), "项目管理费累计")


def test_the_final_payment_and_the_retention_before_acceptance_are_refused(chain, finance, project):
    pay = lambda stage, amount, **kw: services.project_payment_create(  # noqa: E731
        user=finance, allocation=chain["county"], project=project, stage=stage, amount=amount, purpose="",
        payee_name="雷山县茶业合作社", bank_name="农行", bank_account="6228480000000000003", **receipt(), **kw,
    )  # fmt: skip
    pay("start", "60000")
    pay("basic", "80000")
    refused(chain, lambda: pay("accepted", "50000"), "项目尚未验收")
    refused(chain, lambda: pay("retention", "10000"), "项目尚未验收")
    Project.objects.filter(pk=project.pk).update(accepted_on=dt.date(YEAR, 1, 1), stage="accepted")
    project.refresh_from_db()
    pay("accepted", "50000")
    refused(chain, lambda: pay("retention", "10000", today=dt.date(YEAR, 6, 1)), "质保金须在验收后满")
    pay("retention", "10000", today=dt.date(YEAR + 1, 1, 2))
    assert differences() == []


def test_spending_beyond_the_budget_or_a_stage_share_is_refused(chain, finance, project):
    pay = lambda stage, amount: services.project_payment_create(  # noqa: E731
        user=finance, allocation=chain["county"], project=project, stage=stage, amount=amount, purpose="",
        payee_name="雷山县茶业合作社", bank_name="农行", bank_account="6228480000000000003", **receipt(),
    )  # fmt: skip
    refused(chain, lambda: pay("start", "60000.01"), "累计最多可支付 60000.00")
    Project.objects.filter(pk=project.pk).update(accepted_on=dt.date(YEAR, 1, 1))
    project.refresh_from_db()
    pay("accepted", "190000")
    refused(chain, lambda: pay("accepted", "20000"), "将超过概算投资")


def test_spending_beyond_the_allocations_balance_is_refused(chain, finance, project):
    Project.objects.filter(pk=project.pk).update(budget=Decimal("900000"), accepted_on=dt.date(YEAR, 1, 1))
    project.refresh_from_db()
    refused(
        chain,
        lambda: services.project_payment_create(
            user=finance,
            allocation=chain["county"],
            project=project,
            stage="accepted",
            amount="600000.01",
            purpose="",
            payee_name="合作社",
            bank_name="农行",
            bank_account="6228480000000000003",
            **receipt(),
        ),
        "超过该笔资金的余额",
    )


def test_a_household_subsidy_to_a_person_not_in_the_registry_is_refused(chain, finance, paid_household):
    refused(
        chain,
        lambda: services.household_payment_create(
            user=finance, allocation=chain["county"], id_number=new_id(), amount="2000", purpose="产业奖补"
        ),
        "建档立卡系统中没有该身份证号",
    )


def test_a_household_subsidy_to_a_person_no_longer_in_a_household_says_so(chain, finance, paid_household):
    wife = paid_household.members.get(name="吴秀英")
    Member.objects.filter(pk=wife.pk).update(is_active=False)  # as a recorded death leaves her
    refused(
        chain,
        lambda: services.household_payment_create(
            user=finance,
            allocation=chain["county"],
            id_number=wife.id_number,
            amount="2000",
            purpose="产业奖补",
        ),
        "已不在任何户中",
    )


def test_a_household_subsidy_to_a_person_out_of_scope_is_refused(chain, finance, register, county_b):
    other = register(region=VILLAGE_B2)  # 麻江县: in the registry, not in the county finance's scope
    number = other.members.get(relationship="head").id_number
    refused(
        chain,
        lambda: services.household_payment_create(
            user=finance, allocation=chain["county"], id_number=number, amount="2000", purpose="产业奖补"
        ),
        "不在您的管辖范围内",
    )


def test_a_household_payment_uses_the_registry_account_and_a_bank_return(chain, finance, paid_household):
    p = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="2000.50",
        purpose="产业奖补",
    )  # fmt: skip
    assert p.bank_account == paid_household.bank_account and p.payee_name == "杨文明"
    services.payments_approve(user=finance, payments=[p])
    batch = services.batch_create(user=finance, county=chain["county"].region)
    result = services.batch_return(
        user=finance, batch=batch, rows=[["流水号", "结果", "失败原因"], [p.reference, "失败", "账户已销户"]]
    )
    assert result == {"paid": 0, "failed": 1}
    assert Allocation.objects.get(pk=chain["county"].pk).balance == Decimal("600000.00")
    again = services.payment_reissue(user=finance, payment=Payment.objects.get(pk=p.pk))
    assert (
        again.status == PaymentStatus.APPROVED
        and Payment.objects.get(pk=p.pk).status == PaymentStatus.REISSUED
    )
    assert Allocation.objects.get(pk=chain["county"].pk).balance == Decimal("597999.50")
    batch2 = services.batch_create(user=finance, county=chain["county"].region)
    services.batch_return(
        user=finance, batch=batch2, rows=[["流水号", "结果", "银行流水号"], [again.reference, "成功", "B1"]]
    )
    assert Payment.objects.get(pk=again.pk).status == PaymentStatus.PAID
    assert differences() == []


def test_a_bad_return_file_changes_nothing(chain, finance, paid_household):
    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="100",
        purpose="奖补",
    )
    services.payments_approve(user=finance, payments=[p])
    batch = services.batch_create(user=finance, county=chain["county"].region)
    with pytest.raises(ValidationError, match="不属于本批次"):
        services.batch_return(
            user=finance, batch=batch, rows=[["流水号", "结果"], [p.reference, "成功"], ["ZF99", "成功"]]
        )
    assert Payment.objects.get(pk=p.pk).status == PaymentStatus.SENT


def test_a_cancelled_household_gets_no_subsidy(chain, finance, paid_household):
    from jingzhun.registry.models import Household

    Household.objects.filter(pk=paid_household.pk).update(status=HouseholdStatus.CANCELLED)
    refused(
        chain,
        lambda: services.household_payment_create(
            user=finance,
            allocation=chain["county"],
            id_number=paid_household.head_id,
            amount="100",
            purpose="奖补",
        ),
        "已注销",
    )


def test_reconcile_reports_a_tampered_balance(chain, capsys):
    call_command("funds-reconcile")
    Allocation.objects.filter(pk=chain["county"].pk).update(balance=Decimal("599999.99"))
    with pytest.raises(CommandError, match="1 处差异"):
        call_command("funds-reconcile")
    assert "差额 0.01" in capsys.readouterr().out
    assert Fund.objects.count() == 1 and COUNTY
