"""The yearly cycle in a real browser: the county opens the year, its close is refused while an application is
open (the page says what blocks it, per village), accepted once it is decided; the closed year then refuses an
edit of its yearly record on the household card."""

import datetime as dt

import pytest

from jingzhun.identification import services as identification
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import AdjustmentYear, YearState
from tests.conftest import COUNTY, year

from .test_registry_browser import login

pytestmark = pytest.mark.e2e
YEAR = dt.date.today().year


def click(page, text):
    with page.expect_navigation():
        page.click(f"text={text}")


def test_a_year_close_is_refused_then_accepted_and_the_year_is_frozen(phone, live_server, users, register):
    household = register(identified_year=2016, years=[year(year=YEAR)])
    application = identification.application_create(
        user=users["village_a"], household=register(status=HouseholdStatus.UNIDENTIFIED), year=YEAR,
        reason="农户自愿申请",
    )  # fmt: skip
    url = live_server.url
    login(phone, live_server, "county")
    phone.goto(f"{url}/regions/{COUNTY}/")
    click(phone, f"{YEAR} 年度：查看未完成的事项")
    click(phone, "开始本年度动态调整")
    assert "调整中" in phone.inner_text("#year-state")
    assert "未办结的识别申请" in phone.inner_text("#open-items") and "东门村" in phone.inner_text(
        "#open-items"
    )
    click(phone, "关账（冻结本年度）")
    assert "尚有未完成的事项，不能关账：未办结的识别申请 1 项" in phone.inner_text("main")
    assert AdjustmentYear.objects.get().state == YearState.OPEN

    identification.application_verify(
        user=users["village_a"], application=application, passed=False, findings="入户核实：收入高于标准"
    )
    phone.reload()
    assert "没有未完成的事项" in phone.inner_text("#open-items")
    click(phone, "关账（冻结本年度）")
    assert "县级已关账" in phone.inner_text("#year-state")

    # the closed year refuses an edit of its record on the card
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/households/{household.pk}/edit/")
    phone.fill("#id_y-wage", "9999")
    with phone.expect_navigation():
        phone.click("main button[name=save]")
    assert "已关账，该年度的记录不能再修改" in phone.inner_text("main")
    household.refresh_from_db()
    assert household.years.get(year=YEAR).wage != 9999
