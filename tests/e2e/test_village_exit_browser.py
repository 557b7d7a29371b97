"""贫困村 end to end in a real browser (issue 19): the county designates a village on the rules' suggestion
(一高一低一无), the village enters its checklist, the township proposes its exit and runs the 公示 within the
township without objection, the county's 公告 makes it 已退出 — and the public portal shows the lists."""

from decimal import Decimal

import pytest

from jingzhun.analytics.models import RuralPopulation
from jingzhun.identification import villages
from jingzhun.identification.models import Publicity, VillageYear
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A
from tests.identification.conftest import period_passes

from .test_registry_browser import login

pytestmark = pytest.mark.e2e


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_a_village_designated_then_exits_through_its_procedure(browser, phone, live_server, users, register):
    villages.village_policy_set(
        user=None, year=2014, province="520000000000", province_incidence_percent=Decimal("8.5"),
        province_income=Decimal("6000"),
    )  # fmt: skip
    for _ in range(2):  # 4 registered poor persons since 2014
        register(identified_year=2014, history_year=2025)
    RuralPopulation.objects.create(region_id=VILLAGE_A, year=2025, persons=10)  # 40 %
    RuralPopulation.objects.create(region_id=VILLAGE_A, year=2026, persons=1000)  # 0.4 %
    url = live_server.url

    # county: the village's 2025 figures, then the designation the rules suggest
    login(phone, live_server, "county")
    phone.goto(f"{url}/identification/village/{VILLAGE_A}/?year=2025")
    assert "非贫困村" in phone.inner_text("#village-status")
    phone.fill("input[name=collective_income]", "0")
    phone.fill("input[name=per_capita_income]", "3000")
    submit(phone, "#village-data button[type=submit]")
    assert "建议认定为贫困村（一高一低一无）" in phone.inner_text("main")
    phone.fill("#designate-form textarea[name=reason]", "一高一低一无均符合")
    submit(phone, "#designate-form button[type=submit]")
    assert phone.inner_text("#village-status") == "贫困村"

    # village: the exit checklist of 2026
    login(phone, live_server, "village_a")
    phone.goto(f"{url}/identification/village/{VILLAGE_A}/?year=2026")
    assert "未达到退出标准" in phone.inner_text("main")
    for box in phone.query_selector_all("#village-data input[name=checklist]"):
        box.check()
    submit(phone, "#village-data button[type=submit]")
    assert "达到退出标准" in phone.inner_text(".exit-verdict strong")

    # township: proposal and the 公示 within the township
    login(phone, live_server, "town_a")
    phone.goto(f"{url}/identification/villages/{TOWN_A}/?year=2026")
    phone.check(f"#propose-form input[value='{VILLAGE_A}']")
    submit(phone, "#propose-form button[type=submit]")
    assert "待乡镇公示（贫困村退出）" in phone.inner_text(f"#village-{VILLAGE_A}")
    submit(phone, "#publicity-form button[type=submit]")
    assert "乡镇公示中（贫困村退出）" in phone.inner_text(f"#village-{VILLAGE_A}")
    listing = Publicity.objects.get(procedure="village_exit", round="first")
    assert listing.region_id == TOWN_A
    period_passes(listing)
    phone.goto(f"{url}/identification/publicity/{listing.pk}/")
    assert "拟退出贫困村公示" in phone.inner_text("h1")
    submit(phone, "text=公示期满，进入下一环节")
    assert "待公告" in phone.inner_text("main table")

    # county: the 公告
    login(phone, live_server, "county")
    phone.goto(f"{url}/identification/villages/{COUNTY}/?year=2026")
    submit(phone, "#announce-form button[type=submit]")
    assert "已退出" in phone.inner_text(f"#village-{VILLAGE_A}")
    assert VillageYear.objects.get(region_id=VILLAGE_A, year=2026).status == "exited"
    phone.goto(f"{url}/regions/{VILLAGE_A}/?year=2026")
    assert phone.inner_text("#region-village-status") == "已退出"

    # the public: the township's 公示 and the county's 公告, told apart as 贫困村退出
    public = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    public.goto(f"{url}/public/r/{TOWN_A}/")
    assert "2026 年度拟退出贫困村公示" in public.inner_text("#village-exit-lists")
    public.goto(f"{url}/public/r/{COUNTY}/")
    with public.expect_navigation():
        public.click("text=2026 年度贫困村退出公告")
    notice = public.inner_text("main")
    assert "退出贫困村" in notice and "贫困村退出" in public.inner_text("#procedure")
    assert listing.entries.get().head_name in public.inner_text("#village-entries")
    public.context.close()
