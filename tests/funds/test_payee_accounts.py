"""Payee accounts of project and management-fee payments are checked with the households' rule (12 to 30
digits, spaces and full-width digits normalised): a wrong one is refused in Chinese and nothing is paid."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.funds import services
from jingzhun.funds.models import Payment

from .conftest import receipt
from .test_pages import login

RULE = "银行账号应为 12 至 30 位数字"


@pytest.mark.parametrize("account", ["6228-4800-0000-0001", "62284800", "6228480000000000001X", "1" * 31])
def test_a_project_payment_to_a_wrong_account_is_refused(chain, finance, project, account):
    with pytest.raises(ValidationError, match=RULE):
        services.project_payment_create(
            user=finance, allocation=chain["county"], project=project, stage="start", amount="20000",
            purpose="开工预付", payee_name="雷山县建工队", bank_name="农行", bank_account=account,
            **receipt(),
        )  # fmt: skip
    project.refresh_from_db()
    chain["county"].refresh_from_db()
    assert (
        not Payment.objects.exists() and project.settled == 0 and chain["county"].balance == Decimal(600000)
    )


def test_a_fee_payment_to_a_wrong_account_is_refused_and_a_spaced_one_is_taken(chain, finance):
    with pytest.raises(ValidationError, match=RULE):
        services.fee_payment_create(
            user=finance, allocation=chain["county"], amount="1000", purpose="项目管理费", payee_name="县扶贫办",
            bank_name="农行", bank_account="abc123",
        )  # fmt: skip
    assert not Payment.objects.exists()
    paid = services.fee_payment_create(
        user=finance, allocation=chain["county"], amount="1000", purpose="项目管理费", payee_name="县扶贫办",
        bank_name="农行", bank_account="６２２８ ４８００ ００００ ０００１",  # full-width, spaced: normalised
    )  # fmt: skip
    assert paid.bank_account == "6228480000000001"


def test_the_project_page_shows_the_account_rule(client, chain, finance, project):
    data = {"pay-allocation": chain["county"].pk, "pay-stage": "start", "pay-category": "industry",
            "pay-amount": "20000", "pay-payee_name": "雷山县建工队", "pay-bank_name": "农行",
            "pay-bank_account": "12345", "pay-receipts_note": "发票"}  # fmt: skip
    data["pay-receipts"] = receipt()["receipts"]
    page = login(client, finance).post(f"/funds/projects/{project.pk}/settle/", data, follow=True)
    assert RULE in page.content.decode() and not Payment.objects.exists()
