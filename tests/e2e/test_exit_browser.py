"""脱贫退出 and 返贫 end to end in a real browser (issue 19): a household of the registry proposed by its village,
deliberated, verified, agreeing, on the village's 拟脱贫户公示, reviewed by the township and 销号 by the county's
公告, the lists on the public portal told apart from entry lists; then the same household falling back (返贫)."""

import pytest

from jingzhun.identification.models import Application, Publicity
from jingzhun.registry.models import Household
from tests.conftest import VILLAGE_A, year
from tests.identification.conftest import period_passes

from .test_registry_browser import login

pytestmark = pytest.mark.e2e


def submit(page, selector="main form.stack button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


STEP = "#step-form button[type=submit]"


def test_household_exits_through_its_procedure_then_returns(
    browser, phone, live_server, users, register, line_2026
):
    household = register(
        status="registered", identified_year=2014,
        years=[year(year=2026, wage="9000", business="0", business_expense="0", transfer_dibao="0",
                    house_grade="A", water_safe=True)],
    )  # fmt: skip
    url = live_server.url

    # village: the card compares the record with the exit rule; proposal, 民主评议, 核实, 农户认可, 公示
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/households/{household.pk}/")
    assert "该户达到脱贫退出标准" in phone.inner_text("#exit-panel")
    with phone.expect_navigation():
        phone.click("text=提出脱贫退出")
    phone.fill("#id_reason", "外出务工收入稳定")
    submit(phone)
    assert "待民主评议（退出）" in phone.inner_text("#stage")
    assert "不低于扶贫标准 4000.00 元" in phone.inner_text("#exit-verdict")
    phone.fill("#id_attendance", "31")
    phone.fill("#id_votes_for", "28")
    phone.fill("#id_votes_against", "1")
    submit(phone, STEP)
    assert "待核实（退出）" in phone.inner_text("#stage")
    phone.fill("#id_findings", "村委会和驻村工作队入户核实：务工收入属实，住房安全")
    phone.select_option("#id_passed", "1")
    submit(phone, STEP)
    assert "待农户认可" in phone.inner_text("#stage")
    phone.select_option("#id_passed", "1")
    phone.fill("#id_note", "户主签字认可脱贫")
    submit(phone, STEP)
    assert "待村级公示（退出）" in phone.inner_text("#stage")
    phone.goto(f"{url}/identification/publicity/")
    with phone.expect_navigation():
        phone.click("text=发起拟脱贫户公示")
    submit(phone)
    assert "拟脱贫户公示" in phone.inner_text("h1")
    listing = Publicity.objects.get(procedure="exit", round="first")
    period_passes(listing)
    phone.reload()
    submit(phone, "text=公示期满，进入下一环节")

    # township: review
    application = Application.objects.get(household=household, kind="exit")
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/identification/{application.pk}/")
    assert "待乡镇审核" in phone.inner_text("#stage")
    phone.select_option("#id_passed", "1")
    phone.fill("#id_note", "乡镇审核同意退出")
    submit(phone, STEP)
    assert "待公告" in phone.inner_text("#stage")

    # county: the 公告 is the 销号
    login(phone, live_server, "county")
    phone.goto(f"{url}/identification/publicity/new/?procedure=exit&village={VILLAGE_A}")
    assert "发起脱贫户公告" in phone.inner_text("h1")
    submit(phone)
    assert "脱贫户公告" in phone.inner_text("h1")
    household.refresh_from_db()
    assert household.status == "exited" and household.exit_year == 2026

    # the public: the exit lists beside entry lists, told apart
    public = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    public.goto(f"{url}/public/r/{VILLAGE_A}/")
    lists = public.inner_text("main")
    assert "2026 年度拟脱贫户公示" in lists and "2026 年度脱贫户公告" in lists
    with public.expect_navigation():
        public.click("text=2026 年度脱贫户公告")
    notice = public.inner_text("main")
    assert "脱贫退出（销号）" in notice and "杨文明" in notice and "吴秀英" not in notice
    public.context.close()

    # 返贫: the village proposes with the reasons, the township reviews, the county announces
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/households/{household.pk}/")
    with phone.expect_navigation():
        phone.click("text=提出返贫")
    phone.fill("#id_reason", "户主突发重病住院，医疗支出 6 万元")
    submit(phone)
    assert "待入户核实" in phone.inner_text("#stage")
    phone.fill("#id_findings", "入户核实：住院属实，收入骤降")
    phone.select_option("#id_passed", "1")
    submit(phone, STEP)
    returning = Application.objects.get(household=household, kind="return")
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/identification/{returning.pk}/")
    phone.select_option("#id_passed", "1")
    submit(phone, STEP)
    login(phone, live_server, "county")
    phone.goto(f"{url}/identification/publicity/new/?procedure=return&village={VILLAGE_A}")
    submit(phone)
    assert "返贫户公告" in phone.inner_text("h1")
    assert Household.objects.get(pk=household.pk).status == "returned"
