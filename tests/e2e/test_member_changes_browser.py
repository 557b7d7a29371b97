"""人口变动 in a real browser: a birth and a death on the household card, and a transfer sent by one county and
accepted by the other."""

import datetime as dt

import pytest
from django.utils import timezone

from jingzhun.registry.models import Household, Transfer
from tests.conftest import VILLAGE_B2, id_born_on
from tests.e2e.test_registry_browser import login

pytestmark = pytest.mark.e2e


def test_a_birth_and_a_death_on_the_household_card(phone, live_server, users, register):
    h = register()
    today = timezone.localdate()
    born = today - dt.timedelta(days=5)
    login(phone, live_server, "village_a")
    phone.goto(f"{live_server.url}/households/{h.pk}/")
    with phone.expect_navigation():
        phone.click("text=出生登记")
    phone.fill("#id_name", "杨小明")
    phone.fill("#id_id_number", id_born_on(born))
    phone.select_option("#id_relationship", "son")
    phone.select_option("#id_education", "preschool_child")
    phone.select_option("#id_labour", "none")
    with phone.expect_navigation():
        phone.click("button[name=save]")
    main = phone.inner_text("main")
    assert f"{born:%Y-%m-%d} 新增人口：杨小明（出生）" in main
    assert "已登记出生" in phone.inner_text("body")

    with phone.expect_navigation():
        phone.click("text=死亡登记")
    phone.select_option("#id_member", label="吴秀英")
    phone.fill("#id_effective_on", (today + dt.timedelta(days=1)).isoformat())  # in the future: refused
    with phone.expect_navigation():
        phone.click("button[name=save]")
    assert "变动日期不能晚于今天。" in phone.inner_text("main")
    phone.fill("#id_effective_on", today.isoformat())
    phone.fill("#id_reason", "病故")
    with phone.expect_navigation():
        phone.click("button[name=save]")
    main = phone.inner_text("main")
    assert f"{today:%Y-%m-%d} 自然减少：吴秀英（死亡）" in main and "已移出" in main
    h.refresh_from_db()
    assert h.member_count == 2


def test_a_transfer_sent_by_one_county_and_accepted_by_the_other(
    phone, live_server, users, register, county_b
):
    h = register()
    login(phone, live_server, "county")
    phone.goto(f"{live_server.url}/households/{h.pk}/")
    with phone.expect_navigation():
        phone.click("text=跨县迁出")
    phone.check("label:has-text('吴秀英') input")
    # the receiving village lies outside the county's scope: chosen by name, each level loaded by htmx
    picker = phone.locator("#to_village-picker")
    # each choice swaps the whole picker; htmx binds the new selects only when it settles, so the next choice
    # waits for that (a person is never faster than htmx's settle delay; a loaded test runner can be)
    phone.evaluate("document.body.addEventListener('htmx:afterSettle', () => { window.settled += 1 })")
    phone.evaluate("window.settled = 0")
    for i, (name, below) in enumerate(
        (("贵州省", "黔东南苗族侗族自治州"), ("黔东南苗族侗族自治州", "麻江县"), ("麻江县", "杏山镇"),
         ("杏山镇", "仙坝村"), ("仙坝村", None))
    ):  # fmt: skip
        settled = phone.evaluate("window.settled")
        picker.locator("select").nth(i).select_option(label=name)
        if below:
            phone.wait_for_function(f"window.settled > {settled}")
            picker.locator("select").nth(i + 1).locator(f"option:has-text('{below}')").wait_for(
                state="attached"
            )
    assert picker.locator("select").count() == 5  # never below the village
    phone.fill("#id_reason", "投亲落户")
    with phone.expect_navigation():
        phone.click("button[name=save]")
    main = phone.inner_text("main")
    assert "待迁出" in main and "跨县迁往麻江县" in main
    transfer = Transfer.objects.get()
    assert transfer.to_village_id == VILLAGE_B2

    login(phone, live_server, "majiang")
    with phone.expect_navigation():
        phone.click("header.top >> text=跨县迁移")
    with phone.expect_navigation():
        phone.click("text=吴秀英")
    assert phone.locator("#id_village").input_value() == VILLAGE_B2  # the village the sender named
    wife = transfer.members.get()
    phone.select_option(f"#id_rel_{wife.pk}", "head")
    with phone.expect_navigation():
        phone.click("#accept button[type=submit]")
    new = Household.objects.get(region_id=VILLAGE_B2)
    assert phone.url.endswith(f"/households/{new.pk}/")
    main = phone.inner_text("main")
    assert "新增人口：吴秀英（迁入，来自" in main and "未识别" in main

    login(phone, live_server, "county")
    phone.goto(f"{live_server.url}/households/{h.pk}/")
    main = phone.inner_text("main")
    assert "减少人口：吴秀英（迁出，至" in main and "待迁出" not in main
    transfer.refresh_from_db()
    assert transfer.status == "accepted"
