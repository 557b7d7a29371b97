"""The funds' notices before the money moves (issue 21): the county's 年度计划 of projects and the 事前公示 of
money about to be paid, on the portal without login through the one notice page and objection flow — amounts,
sources, places and counts, never an ID number, a phone or a bank account."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from jingzhun.funds import services
from jingzhun.funds.models import FundObjection, Notice
from jingzhun.projects.models import ProjectBeneficiary, ProjectFunding
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A

from .conftest import ACCOUNT, YEAR
from .test_objections import _answer
from .test_pages import login


def test_the_county_publishes_its_year_plan_of_projects(client, chain, finance, project, paid_household):
    county = Region.objects.get(code=COUNTY)
    ProjectFunding.objects.create(project=project, kind="central", amount=Decimal(150000))
    ProjectBeneficiary.objects.create(project=project, household=paid_household)
    with pytest.raises(ValidationError, match="年度项目计划由县级公告"):
        services.notice_publish(user=finance, region=Region.objects.get(code=TOWN_A), year=YEAR, kind="plan")
    with pytest.raises(ValidationError, match="还没有列入年度计划的项目"):
        services.notice_publish(user=finance, region=county, year=YEAR - 1, kind="plan")
    notice = services.notice_publish(user=finance, region=county, year=YEAR, kind="plan")
    assert notice.total == Decimal(200000) and "年度扶贫项目计划公告" in notice.title
    listed = client.get(reverse("portal:region", args=[COUNTY])).content.decode()
    assert notice.title in listed
    page = client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()
    row = re.search(r'<table id="plan-rows">.*?</table>', page, re.S).group(0)
    assert "村集体茶叶加工厂" in row and "200000.00" in row and "150000.00" in row
    assert re.search(r'class="num">1</td><td class="num">\d+</td></tr>', row)  # 1 household counted
    head = paid_household.members.get(relationship="head")
    assert head.name not in page and paid_household.head_id not in page and ACCOUNT not in page
    assert 'id="objection-form"' in page  # objections while it runs, the portal's one flow


def test_money_about_to_be_paid_is_shown_before_it_is_paid(client, chain, finance, paid_household):
    village = Region.objects.get(code=VILLAGE_A)
    with pytest.raises(ValidationError, match="没有待支付的资金"):
        services.notice_publish(user=finance, region=village, year=YEAR, kind="before")
    services.household_payment_create(
        user=finance, allocation=chain["county"], id_number=paid_household.head_id, amount="1800",
        purpose="产业奖补",
    )  # fmt: skip
    # by the finance page, the village chosen by name
    form = login(client, finance).get(reverse("funds:notices")).content.decode()
    assert f'<option value="{VILLAGE_A}">' in form
    client.post(reverse("funds:notices"), {"kind": "before", "region": VILLAGE_A, "year": YEAR})
    notice = Notice.objects.get()
    assert notice.kind == "before" and notice.total == Decimal(1800)
    client.logout()
    page = client.get(reverse("portal:fund_notice", args=[notice.pk])).content.decode()
    assert "事前公示" in page and "1800.00" in page and "尚未支付" in page
    head = paid_household.members.get(relationship="head")
    assert head.name[0] + "*" in page and head.name not in page
    assert paid_household.head_id not in page and ACCOUNT not in page and ACCOUNT[-4:] not in page
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post(
        reverse("portal:fund_notice", args=[notice.pk]),
        {"text": "该户不符合补助条件", "token": token, "answer": _answer(page)},
    )
    assert FundObjection.objects.get().notice_id == notice.pk
