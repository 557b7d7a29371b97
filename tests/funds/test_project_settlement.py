"""报账 is a payment (issue 21): the project page's 报账 pays the project from the county's arrived money (one
money record per settlement, the 报账制 stage shares still enforced), and the nightly reconciliation reports a
project whose 已报账 is not the money paid to it."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingzhun.funds.models import Payment
from jingzhun.funds.reconcile import project_differences
from jingzhun.projects import services as project_services
from jingzhun.projects.models import Project
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_B2

from .conftest import YEAR, receipt
from .test_pages import login

ACCOUNT = "6228480000000000001"


def _settle(client, project, allocation, **values):
    data = {"pay-allocation": allocation.pk, "pay-stage": "start", "pay-category": "industry",
            "pay-amount": "20000", "pay-purpose": "开工预付", "pay-payee_name": "雷山县建工队",
            "pay-bank_name": "农行", "pay-bank_account": ACCOUNT, "pay-receipts": receipt()["receipts"],
            "pay-receipts_note": "建工队开具的工程款发票 No.0012345，20000 元"}  # fmt: skip
    data.update({f"pay-{k}": v for k, v in values.items()})
    return client.post(f"/funds/projects/{project.pk}/settle/", data, follow=True)


def test_settling_on_the_project_page_pays_the_project(client, chain, finance, project):
    page = login(client, finance).get(f"/projects/{project.pk}/").content.decode()
    assert 'id="form-settle"' in page and "中央衔接资金" in page  # the county's arrived money is offered
    done = _settle(client, project, chain["county"]).content.decode()
    payment = Payment.objects.get()
    project.refresh_from_db()
    assert (payment.project_id, payment.amount, payment.stage) == (project.pk, Decimal(20000), "start")
    assert project.settled == Decimal(20000)
    chain["county"].refresh_from_db()
    assert chain["county"].balance == Decimal(580000)
    assert payment.reference in done  # the project page lists its payments
    # the old settlement without money is gone from the project's steps
    assert client.post(f"/projects/{project.pk}/act/settle/", {"settle-amount": "1"}).status_code == 404


def test_a_settlement_above_the_stage_share_is_refused_and_nothing_changes(client, chain, finance, project):
    done = _settle(login(client, finance), project, chain["county"], amount="60001").content.decode()
    assert "累计最多可支付 60000.00 元" in done
    project.refresh_from_db()
    assert project.settled == 0 and not Payment.objects.exists()


def test_a_project_outside_scope_answers_404(client, chain, finance, county_b):
    far = Project.objects.create(
        region=Region.objects.get(code=VILLAGE_B2), year=YEAR, name="外县项目", category="industry",
        budget=Decimal("100000"), stage="implementing",
    )  # fmt: skip
    assert _settle(login(client, finance), far, chain["county"]).status_code == 404
    assert not Payment.objects.exists()


def test_reconciliation_reports_a_settlement_without_its_payment(client, chain, finance, project):
    _settle(login(client, finance), project, chain["county"])
    assert project_differences() == []
    call_command("funds-reconcile", stdout=open("/dev/null", "w"))  # noqa: SIM115 - balanced: no error
    # a settlement recorded straight on the project (the old way, no money moved)
    project_services.record_settlement(user=finance, project=project, amount="5000", receipts_note="补录")
    (found,) = project_differences()
    assert (found.what, found.settled, found.paid, found.gap) == (
        f"project:{project.pk}", Decimal(25000), Decimal(20000), Decimal(5000),
    )  # fmt: skip
    with pytest.raises(CommandError, match="1 处差异"):
        call_command("funds-reconcile", stdout=open("/dev/null", "w"))  # noqa: SIM115
