"""What a village operator, a township user and a county user see, in a real browser on a phone screen."""

import os

import pytest

from jingzhun.registry.models import Household
from tests.conftest import PASSWORD, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.e2e


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def test_village_operator_registers_a_household_on_a_phone(phone, live_server, users, register):
    neighbour = register(region=VILLAGE_B)
    login(phone, live_server, "village_a")
    assert "东门村" in phone.inner_text("main")  # lands on their own village

    phone.goto(f"{live_server.url}/households/new/")
    assert phone.input_value("#id_h-region") == VILLAGE_A
    phone.select_option("#id_h-attribute", "dibao")
    phone.select_option("#id_h-main_cause", "illness")
    phone.fill("#id_m-0-name", "杨文明")
    phone.fill("#id_m-0-id_number", "110105194912310021")  # wrong check digit
    phone.select_option("#id_m-0-education", "primary")
    phone.select_option("#id_m-0-labour", "weak")
    phone.fill("#id_y-wage", "2400")
    phone.fill("#id_y-transfer_dibao", "900")
    with phone.expect_navigation():
        phone.click("button[name=save]")
    assert "校验位错误" in phone.inner_text("main")
    assert "尚未保存任何内容" in phone.inner_text("main")
    assert Household.objects.filter(region_id=VILLAGE_A).count() == 0

    phone.fill("#id_m-0-id_number", "11010519491231002x")  # valid, lowercase x
    phone.click("button[name=save]")
    phone.wait_for_url("**/households/*/")
    card = phone.inner_text("main")
    assert "贫困户档案卡" in card and "杨文明" in card
    assert "3300.00" in card  # 人均纯收入 = (2400 + 900) / 1, computed, not typed
    assert "11010519491231002X" not in card  # masked for an operator
    if os.environ.get("JINGZHUN_SCREENSHOTS"):
        phone.screenshot(path=os.environ["JINGZHUN_SCREENSHOTS"] + "/card.png", full_page=True)

    phone.goto(f"{live_server.url}/households/")
    listing = phone.inner_text("main")
    assert "杨文明" in listing and neighbour.number not in listing

    response = phone.goto(f"{live_server.url}/households/{neighbour.pk}/")
    assert response.status == 404


def test_township_and_county_users_see_only_their_subtree(phone, live_server, users, register):
    mine = register(region=VILLAGE_A)
    theirs = register(region=VILLAGE_B)

    login(phone, live_server, "town_b")
    assert "西江镇" in phone.inner_text("h1")
    phone.goto(f"{live_server.url}/households/")
    listing = phone.inner_text("main")
    assert theirs.number in listing and mine.number not in listing
    assert phone.goto(f"{live_server.url}/households/{mine.pk}/").status == 404
    assert phone.goto(f"{live_server.url}/regions/522634100000/").status == 404

    login(phone, live_server, "county")
    phone.goto(f"{live_server.url}/regions/522634000000/")
    table = phone.inner_text("table")
    assert "丹江镇" in table and "西江镇" in table
    phone.click("text=丹江镇")
    assert "东门村" in phone.inner_text("table")
    if os.environ.get("JINGZHUN_SCREENSHOTS"):
        phone.screenshot(path=os.environ["JINGZHUN_SCREENSHOTS"] + "/browser.png", full_page=True)
