"""The funds pages as each role sees them: finance enters and approves, a viewer reads with bank accounts
masked, pages outside scope answer 404, and refusals are shown with nothing changed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jingzhun.accounts.choices import Role
from jingzhun.funds import services
from jingzhun.funds.choices import PaymentStatus
from jingzhun.funds.models import Payment
from tests.conftest import COUNTY, PASSWORD, make_user

from .conftest import ACCOUNT


def login(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def payment(chain, finance, paid_household):
    return services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="1500",
        purpose="产业奖补",
    )


def test_every_page_renders_for_finance(client, finance, chain, payment):
    login(client, finance)
    for url in [
        reverse("funds:home"), reverse("funds:funds"), reverse("funds:fund", args=[chain["fund"].pk]),
        reverse("funds:allocation", args=[chain["county"].pk]), reverse("funds:payments"), reverse("funds:idle"),
        reverse("funds:alerts"), reverse("funds:cadres"), reverse("funds:notices"),
    ]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("funds:payments")).content.decode()
    assert ACCOUNT in page  # finance pays to it: in full


def test_a_viewer_sees_bank_accounts_masked(client, regions, payment, paid_household):
    viewer = make_user("viewer", Role.VIEWER, regions[COUNTY])
    login(client, viewer)
    page = client.get(reverse("funds:payments")).content.decode()
    assert "1500" in page and ACCOUNT not in page and "**** 5678" in page
    card = client.get(reverse("registry:household_detail", args=[paid_household.pk])).content.decode()
    assert "扶贫资金到户" in card and ACCOUNT not in card and "**** 5678" in card


def test_finance_sees_the_account_on_the_household_card(client, finance, payment, paid_household):
    login(client, finance)
    card = client.get(reverse("registry:household_detail", args=[paid_household.pk])).content.decode()
    assert ACCOUNT in card and "产业奖补" in card


def test_approve_then_batch_then_export_is_audited(client, finance, chain, payment):
    from jingzhun.core.models import AuditLog

    login(client, finance)
    client.post(reverse("funds:payments"), {"ids": [payment.pk]})
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.APPROVED
    response = client.post(reverse("funds:payments"), {"action": "batch", "county": COUNTY})
    batch = Payment.objects.get(pk=payment.pk).batch
    assert response.status_code == 302 and batch is not None
    content = b"".join(client.get(reverse("funds:batch_file", args=[batch.pk])).streaming_content).decode()
    assert ACCOUNT in content and payment.reference in content
    assert AuditLog.objects.filter(action="download", root=f"funds.paymentbatch:{batch.pk}").exists()


def test_a_refused_payment_is_shown_and_nothing_saved(client, finance, chain):
    login(client, finance)
    response = client.post(
        reverse("funds:allocation", args=[chain["county"].pk]),
        {"kind": "household", "id_number": "522634197005170099", "amount": "100", "purpose": "奖补",
         "category": "household"},
        follow=True,
    )  # fmt: skip
    assert "建档立卡系统中没有该身份证号" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_preview_then_fix_allocates_exactly(client, users, chain):
    login(client, users["national"])
    url = reverse("funds:allocation", args=[chain["province"].pk])
    page = client.get(url, {"amount": "100000"}).content.decode()
    assert "amount_522600000000" in page
    client.post(url, {"amount_522600000000": "100000", "document_number": "黔财农〔2026〕9号"})
    chain["province"].refresh_from_db()
    assert chain["province"].balance == 2900000


def test_each_level_s_finance_allocates_its_own_money_and_no_other(client, regions, chain):
    """The provincial finance user passes the province's money on to its cities from their own page; the
    central fund's page offers them no allocation (the nation's money); a city's finance user cannot reach the
    province's allocation at all — a forged fix answers 404 and changes nothing."""
    province_finance = make_user("province_finance", Role.FINANCE, chain["province"].region)
    city_finance = make_user("city_finance", Role.FINANCE, chain["city"].region)

    login(client, province_finance)
    fund_page = client.get(reverse("funds:fund", args=[chain["fund"].pk]))
    assert fund_page.status_code == 200 and "preview-form" not in fund_page.content.decode()
    client.post(
        reverse("funds:fund", args=[chain["fund"].pk]),
        {"amount_520000000000": "100000", "document_number": "黔财农〔2026〕8号"},
    )
    chain["fund"].refresh_from_db()
    assert chain["fund"].balance == 6000000  # refused: the central fund's balance is untouched
    url = reverse("funds:allocation", args=[chain["province"].pk])
    page = client.get(url, {"amount": "100000"}).content.decode()
    assert "amount_522600000000" in page and "fix-form" in page
    client.post(url, {"amount_522600000000": "100000", "document_number": "黔财农〔2026〕9号"})
    chain["province"].refresh_from_db()
    assert chain["province"].balance == 2900000

    client.logout()
    login(client, city_finance)
    assert client.get(url).status_code == 404
    forged = client.post(url, {"amount_522600000000": "100000", "document_number": "黔财农〔2026〕10号"})
    assert forged.status_code == 404
    chain["province"].refresh_from_db()
    assert chain["province"].balance == 2900000
    city_page = client.get(reverse("funds:allocation", args=[chain["city"].pk])).content.decode()
    assert "preview-form" in city_page  # their own step: on to the counties


def test_the_progress_page_counts_paid_money_against_the_schedule(client, finance, chain, payment):
    from jingzhun.funds import selectors

    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.PAID)
    (row,) = selectors.progress(user=finance, year=chain["fund"].year)
    assert row["allocated"] == 600000 and row["paid"] == 1500 and row["share"] == Decimal("0.0025")
    assert row["industry_share"] == 0  # a household subsidy is not industry spending
    login(client, finance)
    page = client.get(reverse("funds:home")).content.decode()
    assert "雷山县" in page, page
    assert "1500.00" in page
