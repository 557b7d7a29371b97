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
from jingzhun.registry.services import household_bank_account_set
from tests.conftest import VILLAGE_A, VILLAGE_B, VILLAGE_B2
from tests.conftest import member as _member

from .conftest import ACCOUNT, YEAR

GUIZHOU = "520000000000"
ACCOUNT2 = "6217002870098765432"


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


def _batch_of(finance, chain, payments, results):
    services.payments_approve(user=finance, payments=payments)
    batch = services.batch_create(user=finance, county=chain["county"].region)
    return batch, [["流水号", "结果", "银行流水号", "支付日期"]] + [
        [p.reference, r, f"B{p.pk}", f"{YEAR}-05-0{i + 1}"]
        for i, (p, r) in enumerate(zip(payments, results, strict=True))
    ]


def test_a_returned_batch_publishes_each_village_notice_in_one_click(
    client, users, chain, finance, paid_household, register
):
    other = register(region=VILLAGE_B, members=[{**_member(), "name": "吴小花"}])
    household_bank_account_set(
        user=users["national"], household=other, bank_name="信用社", bank_account=ACCOUNT2
    )
    other.head_id = other.members.get(relationship="head").id_number
    pay = lambda h, amount: services.household_payment_create(  # noqa: E731
        user=finance, allocation=chain["county"], id_number=h.head_id, amount=amount, purpose="到户产业奖补"
    )
    payments = [
        pay(paid_household, "1500.10"),
        pay(paid_household, "99.90"),
        pay(other, "800"),
        pay(other, "50"),
    ]
    batch, rows = _batch_of(finance, chain, payments, ["成功", "成功", "成功", "失败"])
    with pytest.raises(ValidationError, match="先导入银行回盘"):
        services.batch_notices_publish(user=finance, batch=batch)
    services.batch_return(user=finance, batch=batch, rows=rows)
    services.policy_set(user=users["national"], year=YEAR, province=GUIZHOU, name_mask="surname_star")

    client.force_login(finance)
    page = client.get(f"/funds/batches/{batch.pk}/").content.decode()
    assert 'id="batch-notices-form"' in page
    client.post(f"/funds/batches/{batch.pk}/notices/")
    a, b = Notice.objects.get(region_id=VILLAGE_A), Notice.objects.get(region_id=VILLAGE_B)
    assert a.batch_id == b.batch_id == batch.pk and a.kind == b.kind == "after"
    assert [(i["name"], i["amount"]) for i in a.individuals] == [("杨*", "1500.10"), ("杨*", "99.90")]
    assert str(a.total) == "1600.00" and a.rows[0]["households"] == 1 and a.rows[0]["payments"] == 2
    assert [(i["name"], i["amount"]) for i in b.individuals] == [
        ("吴*", "800.00")
    ]  # the failed one is not shown
    assert (
        AuditLog.objects.filter(model__icontains="notice", object_id__in=[str(a.pk), str(b.pk)]).count() == 2
    )
    public = client.get(reverse("portal:fund_notice", args=[a.pk])).content.decode()
    assert "杨*" in public and "1500.10" in public and "杨文明" not in public
    assert paid_household.head_id not in public and ACCOUNT not in public and ACCOUNT2 not in public
    # once only: the button is gone and the service refuses
    page = client.get(f"/funds/batches/{batch.pk}/").content.decode()
    assert 'id="batch-notices-form"' not in page and a.title in page
    with pytest.raises(ValidationError, match="已经发布"):
        services.batch_notices_publish(user=finance, batch=batch)
    assert Notice.objects.count() == 2


def test_the_batch_notices_only_for_finance_of_the_county(client, users, chain, finance, paid_household):
    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="10",
        purpose="奖补",
    )
    batch, rows = _batch_of(finance, chain, [p], ["成功"])
    services.batch_return(user=finance, batch=batch, rows=rows)
    client.force_login(users["county_viewer"])
    client.post(f"/funds/batches/{batch.pk}/notices/")
    assert 'id="batch-notices-form"' not in client.get(f"/funds/batches/{batch.pk}/").content.decode()
    assert not Notice.objects.exists()


def test_the_batch_button_and_the_paged_region_page_in_english(client, users, chain, finance, paid_household):
    from django.conf import settings

    from tests.test_english import chinese_left, data_strings, visible_text

    p = services.household_payment_create(
        user=finance,
        allocation=chain["county"],
        id_number=paid_household.head_id,
        amount="10",
        purpose="奖补",
    )
    batch, rows = _batch_of(finance, chain, [p], ["成功"])
    services.batch_return(user=finance, batch=batch, rows=rows)
    client.force_login(finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = client.get(f"/funds/batches/{batch.pk}/").content.decode()
    assert (
        "Publish the villages&#x27; subsidy notices" in before
        or "Publish the villages' subsidy notices" in before
    )
    client.post(f"/funds/batches/{batch.pk}/notices/")
    pages = {
        "batch": client.get(f"/funds/batches/{batch.pk}/").content.decode(),
        "notices": client.get("/funds/notices/").content.decode(),
        "village": client.get(f"/public/r/{VILLAGE_A}/?year={YEAR}&funds_page=x").content.decode(),
    }
    assert (
        "1 in all, page 1 of 1" in pages["village"]
        and "No poverty alleviation project notices yet." in pages["village"]
    )
    data = data_strings()
    for name, page in pages.items():
        assert not chinese_left(visible_text(page), data), name
