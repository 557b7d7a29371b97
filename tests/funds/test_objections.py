"""Objections to a fund notice (资金公告公示) on the public portal: the portal's one gate (challenge, rate limit,
reference number, status page), landing on the county finance users' notices page, decided there with a reason
and audited; refused and nothing filed after the notice's period."""

import datetime as dt
import re

from django.urls import reverse

from jingzhun.accounts.choices import Role
from jingzhun.core.models import AuditLog
from jingzhun.funds import services
from jingzhun.funds.models import FundObjection, Payment
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A, make_user

from .conftest import YEAR


def _answer(page: str) -> str:
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return str(int(a) + int(b))


def _notice(finance, chain, paid_household, starts_on=None):
    p = services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="1200",
        purpose="产业奖补",
    )  # fmt: skip
    Payment.objects.filter(pk=p.pk).update(status="paid")
    return services.notice_publish(
        user=finance, region=Region.objects.get(code=VILLAGE_A), year=YEAR, starts_on=starts_on
    )


def test_the_public_objects_to_a_running_fund_notice_and_finance_decides(
    client, chain, finance, paid_household
):
    notice = _notice(finance, chain, paid_household)
    page = client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()
    assert 'id="objection-form"' in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    wrong = client.post(
        reverse("portal:fund_notice", args=[notice.pk]),
        {"text": "补助金额与实际不符", "token": token, "answer": "99"},
    )
    assert "验证题答案不正确" in wrong.content.decode() and not FundObjection.objects.exists()
    page = wrong.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post(
        reverse("portal:fund_notice", args=[notice.pk]),
        {"text": "补助金额与实际不符", "token": token, "answer": _answer(page), "name": "杨某"},
        follow=True,
    )
    objection = FundObjection.objects.get()
    body = done.content.decode()
    assert objection.reference in body and notice.title in body and "县财政部门正在核实" in body
    assert objection.source == "public" and objection.region_id == VILLAGE_A

    # the county's finance sees it on the notices page and decides it
    client.force_login(finance)
    listed = client.get(reverse("funds:notices")).content.decode()
    assert objection.reference in listed and "补助金额与实际不符" in listed and "处理异议" in listed
    refused = client.post(
        reverse("funds:objection_resolve", args=[objection.pk]), {"upheld": "0", "reason": ""}
    )
    assert refused.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "open"
    client.post(
        reverse("funds:objection_resolve", args=[objection.pk]),
        {"upheld": "0", "reason": "经核对银行流水，金额无误"},
    )
    objection.refresh_from_db()
    assert objection.status == "dismissed" and objection.resolved_by == finance
    entry = AuditLog.objects.filter(model__icontains="fundobjection", action="update").get()
    assert entry.changes
    client.logout()
    status = client.get(reverse("portal:objection", args=[objection.reference])).content.decode()
    assert "已办结" in status and "异议不成立" in status


def test_finance_of_another_county_cannot_see_or_decide(client, chain, finance, paid_household, county_b):
    notice = _notice(finance, chain, paid_household)
    objection = services.objection_file(user=None, notice=notice, text="名单里有非贫困户")
    other = make_user("finance_b", Role.FINANCE, county_b.region)
    client.force_login(other)
    assert objection.reference not in client.get(reverse("funds:notices")).content.decode()
    response = client.post(
        reverse("funds:objection_resolve", args=[objection.pk]), {"upheld": "1", "reason": "核实属实"}
    )
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.status == "open"


def test_after_its_period_the_notice_takes_no_objection(client, chain, finance, paid_household):
    notice = _notice(finance, chain, paid_household, starts_on=dt.date.today() - dt.timedelta(days=30))
    page = client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()
    assert 'id="objection-form"' not in page and "不再在线受理异议" in page
    response = client.post(reverse("portal:fund_notice", args=[notice.pk]), {"text": "补助金额与实际不符"})
    assert response.status_code == 404 and not FundObjection.objects.exists()
