"""A fund's 事前公示 in a real browser (issue 21): the county's finance officer publishes the village's list of
subsidies about to be paid (the village chosen by name), a member of the public opens it on the portal without
login — amounts and masked names, never the ID number or the account — answers the challenge and files an
objection, gets its reference and status page, and the objection lands on finance's notices page."""

import re

import pytest

from jingzhun.funds import services
from jingzhun.funds.models import FundObjection, Notice
from tests.conftest import VILLAGE_A
from tests.funds.conftest import ACCOUNT, chain, finance, paid_household  # noqa: F401 (fixtures)

from .test_registry_browser import login

pytestmark = pytest.mark.e2e


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_the_public_objects_to_a_fund_notice_before_payment(
    phone,
    live_server,
    chain,  # noqa: F811
    finance,  # noqa: F811
    paid_household,  # noqa: F811
):
    url = live_server.url
    services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="1800",
        purpose="产业奖补",
    )  # fmt: skip

    login(phone, live_server, "finance")
    phone.goto(f"{url}/funds/notices/")
    phone.select_option("#id_kind", "before")
    phone.select_option("#id_region", VILLAGE_A)
    submit(phone, "#notice-form button[type=submit]")
    assert "公告已发布" in phone.inner_text("body")
    notice = Notice.objects.get()

    phone.context.clear_cookies()  # the public: no login
    phone.goto(f"{url}/public/r/{VILLAGE_A}/")
    submit(phone, f"#fund-notices a[href='/public/funds/{notice.pk}/']")
    body = phone.inner_text("main")
    assert "事前公示" in body and "1800.00" in body and "尚未支付" in body
    assert paid_household.head_id not in body and ACCOUNT not in body
    head = paid_household.members.get(relationship="head")
    assert head.name not in body and head.name[0] + "*" in body  # the name masked

    phone.fill("#id_text", "该户已外出务工多年，不符合补助条件")
    a, b = re.search(r"(\d+) \+ (\d+) = \?", phone.inner_text("#objection-form")).groups()
    phone.fill("#id_answer", str(int(a) + int(b)))
    submit(phone, "#objection-form button[type=submit]")
    objection = FundObjection.objects.get()
    assert objection.reference in phone.inner_text("main") and objection.notice_id == notice.pk

    login(phone, live_server, "finance")
    phone.goto(f"{url}/funds/notices/")
    assert objection.reference in phone.inner_text("#fund-objections")
