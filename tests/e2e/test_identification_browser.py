"""精准识别 end to end in a real browser: one household from application to 公告, with users at four levels
(province, county, township, village) and one objection filed by a member of the public on the portal."""

import re

import pytest

from jingzhun.identification.models import Application, Publicity
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household
from tests.conftest import VILLAGE_A, make_user
from tests.identification.conftest import period_passes

from .test_registry_browser import login

pytestmark = pytest.mark.e2e


def submit(page, selector="main form.stack button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


def test_household_from_application_to_announcement(browser, phone, live_server, users, applicant):
    make_user("province", "admin", Region.objects.get(code="520000000000"))
    household = applicant()
    url = live_server.url

    # province: this year's 公示 lasts 5 days in 贵州
    login(phone, live_server, "province")
    phone.goto(f"{url}/identification/policy/")
    phone.fill("#id_year", "2026")
    phone.fill("#id_publicity_days", "5")
    submit(phone)
    assert "公示 5 天" in phone.inner_text("#current")

    # village: application, verification, deliberation, first 公示
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/households/{household.pk}/")
    with phone.expect_navigation():
        phone.click("text=发起识别申请")
    phone.fill("#id_reason", "户主患慢性病，缺劳力")
    submit(phone)
    assert "待入户核实" in phone.inner_text("#stage")
    assert "低于扶贫标准" in phone.inner_text("#reasons")
    phone.fill("#id_findings", "入户核实：收入、住房情况属实")
    phone.select_option("#id_passed", "1")
    submit(phone)
    assert "待民主评议" in phone.inner_text("#stage")
    phone.fill("#id_attendance", "31")
    phone.fill("#id_votes_for", "40")  # more votes than people present
    phone.fill("#id_votes_against", "2")
    submit(phone)
    assert "不能超过到会人数" in phone.inner_text("main")
    assert "待民主评议" in phone.inner_text("#stage")  # refused, nothing changed
    phone.fill("#id_attendance", "31")
    phone.fill("#id_votes_for", "27")
    phone.fill("#id_votes_against", "2")
    submit(phone)
    assert "待第一次公示" in phone.inner_text("#stage")
    phone.goto(f"{url}/identification/publicity/new/")
    submit(phone)
    first = Publicity.objects.get(round="first")
    assert (first.last_day - first.starts_on).days == 4  # the province's 5 days
    assert "公示中" in phone.inner_text("#publicity-state")
    assert phone.locator("text=公示期满，进入下一环节").count() == 0  # not before the period ends
    period_passes(first)
    phone.reload()
    submit(phone, "text=公示期满，进入下一环节")
    assert "已结束" in phone.inner_text("#publicity-state")

    # township: review and the second 公示
    application = Application.objects.get(household=household)
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/identification/{application.pk}/")
    phone.select_option("#id_passed", "1")
    phone.fill("#id_note", "乡镇审核同意")
    submit(phone)
    assert "待第二次公示" in phone.inner_text("#stage")
    phone.goto(f"{url}/identification/publicity/new/?village={VILLAGE_A}")
    submit(phone)
    second = Publicity.objects.get(round="second")

    # the public: reads the list on the portal and objects, without logging in
    public = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    public.goto(f"{url}/public/r/{VILLAGE_A}/")
    with public.expect_navigation():
        public.click("text=第二次公示")
    listing = public.inner_text("main")
    assert "王老实" in listing and "李桂花" not in listing and not re.search(r"\d{17}[\dX]", listing)
    public.select_option("#id_entry", label="王老实")
    public.fill("#id_text", "听说他家在县城买了商品房")
    a, b = re.search(r"(\d) \+ (\d) = \?", public.inner_text("#objection-form")).groups()
    public.fill("#id_answer", str(int(a) + int(b)))
    submit(public, "#objection-form button[type=submit]")
    reference = public.inner_text("#reference")
    assert "乡镇正在核实" in public.inner_text("#objection-status")

    # township: the period ends, the household is held by the objection until it is decided
    period_passes(second)
    phone.goto(f"{url}/identification/publicity/{second.pk}/")
    assert "有异议待处理" in phone.inner_text("main")
    submit(phone, "text=公示期满，进入下一环节")
    assert Application.objects.get(pk=application.pk).stage == "second_publicity"
    phone.goto(f"{url}/identification/objections/")
    card = phone.locator(f"#objection-{reference}")
    card.locator("select[name=upheld]").select_option("0")
    card.locator("textarea[name=reason]").fill("经核实，商品房属已分户的儿子所有")
    with phone.expect_navigation():
        card.locator("button[type=submit]").click()
    assert f"异议 {reference} 已处理" in phone.inner_text("main")

    # county: approval and the 公告
    login(phone, live_server, "county")
    phone.goto(f"{url}/identification/{application.pk}/")
    phone.select_option("#id_passed", "1")
    submit(phone)
    assert "待公告" in phone.inner_text("#stage")
    phone.goto(f"{url}/identification/publicity/new/?village={VILLAGE_A}")
    submit(phone)
    assert "公告" in phone.inner_text("h1")

    household.refresh_from_db()
    assert household.status == "registered" and household.identified_year == 2026
    public.goto(f"{url}/public/objection/{reference}/")
    assert "已办结" in public.inner_text("#objection-status")
    public.goto(f"{url}/public/r/{VILLAGE_A}/")
    assert "公告" in public.inner_text("main")
    assert Household.objects.get(pk=household.pk).status == "registered"
    public.context.close()
