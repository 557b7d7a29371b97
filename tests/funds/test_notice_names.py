"""到户补助 in a village's 事后公告 (issue 21): built from the households' payments actually paid (all of the
year, or those paid in a period), each person's name shown as the province's policy of the year says — 杨** by
default — and never an ID number or an account, whatever the pattern."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jingzhun.core.models import AuditLog
from jingzhun.funds import rules, services
from jingzhun.funds.models import Notice, Payment
from jingzhun.regions.models import Region
from tests.conftest import VILLAGE_A, VILLAGE_B2

from .conftest import ACCOUNT, YEAR

GUIZHOU = "520000000000"


@pytest.mark.parametrize(
    ("pattern", "shown"),
    [
        ("surname_stars", "杨**"),
        ("surname_star", "杨*"),
        ("middle", "杨*明"),
        ("surname_only", "杨某"),
        ("full", "杨文明"),
        ("no-such-pattern", "杨**"),  # never more than a pattern says: the default
    ],
)
def test_the_patterns(pattern, shown):
    assert rules.mask_name(" 杨文明 ", pattern) == shown
    assert rules.mask_name("", pattern) == ""


def test_short_and_long_names():
    assert rules.mask_name("杨明", "middle") == "杨*"
    assert rules.mask_name("欧阳文明", "middle") == "欧**明"
    assert rules.mask_name("杨", "surname_stars") == "杨*"


def _pay(finance, chain, household, amount, paid_on):
    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=household.head_id,
        amount=amount,
        purpose="产业奖补",
    )
    Payment.objects.filter(pk=p.pk).update(status="paid", paid_on=paid_on)
    return p


def _public_notice(client, notice) -> str:
    return client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()


def test_a_province_policy_shows_names_its_way_and_the_default_stays(
    client, users, chain, finance, paid_household
):
    village = Region.objects.get(code=VILLAGE_A)
    _pay(finance, chain, paid_household, "1200.50", dt.date(YEAR, 3, 1))
    default = services.notice_publish(user=finance, region=village, year=YEAR)
    assert default.individuals == [{"name": "杨**", "purpose": "产业奖补", "amount": "1200.50"}]
    assert "杨**" in _public_notice(client, default)

    services.policy_set(user=users["national"], year=YEAR, province=GUIZHOU, name_mask="middle")
    middle = services.notice_publish(user=finance, region=village, year=YEAR)
    page = _public_notice(client, middle)
    assert "杨*明" in page and "杨文明" not in page and "1200.50" in page
    assert "杨**" in _public_notice(client, default)  # a published notice reads as it was published

    services.policy_set(user=users["national"], year=YEAR, province=GUIZHOU, name_mask="full")
    full = services.notice_publish(user=finance, region=village, year=YEAR)
    page = _public_notice(client, full)
    assert "杨文明" in page
    assert paid_household.head_id not in page and ACCOUNT not in page and ACCOUNT[-4:] not in page


def test_the_full_name_only_by_a_province_and_the_policy_page_shows_the_pattern(client, users):
    with pytest.raises(ValidationError, match="省级政策"):
        services.policy_set(user=users["national"], year=YEAR, name_mask="full")
    with pytest.raises(ValidationError):
        services.policy_set(user=users["national"], year=YEAR, province=GUIZHOU, name_mask="bold")
    row = services.policy_set(user=users["national"], year=YEAR, province=GUIZHOU, name_mask="surname_only")
    assert AuditLog.objects.filter(model__icontains="fundpolicy", object_id=str(row.pk)).exists()
    client.force_login(users["national"])
    page = client.get(f"/funds/policy/?year={YEAR}&province={GUIZHOU}").content.decode()
    assert "只公示姓氏（杨某）" in page.split('id="name-mask"')[1].split("</dd>")[0]


def test_a_period_lists_only_the_payments_paid_in_it(users, chain, finance, paid_household, register):
    village = Region.objects.get(code=VILLAGE_A)
    _pay(finance, chain, paid_household, "1000", dt.date(YEAR, 2, 10))
    _pay(finance, chain, paid_household, "300.25", dt.date(YEAR, 6, 5))
    notice = services.notice_publish(
        user=finance, region=village, year=YEAR, paid_from=dt.date(YEAR, 6, 1), paid_to=dt.date(YEAR, 6, 30)
    )
    assert [i["amount"] for i in notice.individuals] == ["300.25"] and str(notice.total) == "300.25"
    assert f"{YEAR}-06-01" in notice.title
    with pytest.raises(ValidationError, match="期间没有已支付的资金"):
        services.notice_publish(
            user=finance,
            region=village,
            year=YEAR,
            paid_from=dt.date(YEAR, 7, 1),
            paid_to=dt.date(YEAR, 7, 31),
        )
    with pytest.raises(ValidationError, match="不能早于"):
        services.notice_publish(
            user=finance,
            region=village,
            year=YEAR,
            paid_from=dt.date(YEAR, 7, 1),
            paid_to=dt.date(YEAR, 6, 1),
        )
    with pytest.raises(ValidationError, match="事后公告"):
        services.notice_publish(
            user=finance, region=village, year=YEAR, kind="before", paid_from=dt.date(YEAR, 1, 1)
        )
    assert Notice.objects.count() == 1


def test_finance_publishes_the_village_notice_from_the_page_in_its_county_only(
    client, chain, finance, paid_household
):
    _pay(finance, chain, paid_household, "800", dt.date(YEAR, 4, 2))
    client.force_login(finance)
    client.post(
        "/funds/notices/",
        {
            "kind": "after",
            "region": VILLAGE_A,
            "year": YEAR,
            "paid_from": f"{YEAR}-04-01",
            "paid_to": f"{YEAR}-04-30",
        },
    )
    notice = Notice.objects.get()
    assert notice.region_id == VILLAGE_A and notice.individuals[0]["name"] == "杨**"
    assert AuditLog.objects.filter(model__icontains="notice", object_id=str(notice.pk)).exists()
    page = client.get(f"/public/r/{VILLAGE_A}/").content.decode()
    assert f"/public/funds/{notice.pk}/" in page
    # a village of another county: refused, nothing published
    client.post("/funds/notices/", {"kind": "after", "region": VILLAGE_B2, "year": YEAR})
    assert Notice.objects.count() == 1
