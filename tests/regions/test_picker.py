"""Regions are chosen by name within the user's scope, never typed as 12-digit codes: a list where the scope is
small, the cascading picker (省 → 市 → 县 → 乡 → 村) where it is large; a code from outside the scope is refused
with a Chinese message and nothing is saved, whatever the page offered."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.accounts.models import User
from jingzhun.assessment.models import Finding
from jingzhun.assistance.models import Cadre, HelpingUnit
from jingzhun.regions import selectors
from tests.conftest import COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, make_user

PROVINCE, PREFECTURE = "520000000000", "522600000000"


@pytest.fixture
def security(regions):
    return make_user("security", Role.SECURITY, regions[COUNTY])


@pytest.fixture
def national_security(regions):
    return make_user("national_security", Role.SECURITY)


@pytest.fixture
def unit(regions):
    return HelpingUnit.objects.create(
        name="县农业农村局", unit_type="government", level=3, region=regions[COUNTY]
    )


def test_a_cadre_is_stationed_in_a_township_or_village_chosen_by_name(client, users, unit):
    client.force_login(users["town_a"])
    page = client.get(reverse("assistance:forces")).content.decode()
    assert '<select name="region"' in page and "12 位代码" not in page
    assert f'<option value="{TOWN_A}">丹江镇</option>' in page
    assert f'<option value="{VILLAGE_A}">丹江镇 东门村村民委员会</option>' in page
    assert VILLAGE_B not in page and "长乌村" not in page  # 西江镇's village is not the township's to offer

    post = {"cadre": "1", "name": "王芳", "unit": unit.pk, "region": VILLAGE_B}
    page = client.post(reverse("assistance:forces"), post).content.decode()
    assert "该区划不存在或不在您的管辖范围内" in page and not Cadre.objects.exists()
    page = client.post(reverse("assistance:forces"), {**post, "region": COUNTY}).content.decode()
    assert "不在您的管辖范围内" in page and not Cadre.objects.exists()  # the county is above the township

    client.force_login(users["county"])
    page = client.post(reverse("assistance:forces"), {**post, "region": COUNTY}).content.decode()
    assert "请选择乡级、村级区划（所选为县级）" in page and not Cadre.objects.exists()
    assert client.post(reverse("assistance:forces"), {**post, "region": VILLAGE_B}).status_code == 302
    assert Cadre.objects.get().region_id == VILLAGE_B


def test_an_account_is_placed_in_a_region_chosen_by_name(client, security):
    client.force_login(security)
    page = client.get("/accounts/users/new/").content.decode()
    assert '<select name="region_code"' in page and "12 位统计用区划代码" not in page
    assert (
        f'<option value="{COUNTY}" selected>雷山县</option>' in page
    )  # the administrator's own, preselected
    assert f'<option value="{TOWN_B}">西江镇</option>' in page
    assert f'<option value="{VILLAGE_B}">西江镇 长乌村村民委员会</option>' in page
    assert f'<option value="{PROVINCE}"' not in page  # above the administrator's county

    new = {
        "username": "xj_clerk",
        "first_name": "西江录入",
        "role": "operator",
        "password": "Initial-pass-2026",
    }
    page = client.post("/accounts/users/new/", {**new, "region_code": PREFECTURE}).content.decode()
    assert (
        "该区划不存在或不在您的管辖范围内" in page and not User.objects.filter(username="xj_clerk").exists()
    )
    assert client.post("/accounts/users/new/", {**new, "region_code": TOWN_B}).status_code == 302
    assert User.objects.get(username="xj_clerk").region_id == TOWN_B


def test_a_large_scope_gets_the_cascading_picker_not_a_wall_of_options(
    client, national_security, monkeypatch
):
    """Above ``REGIONS_OFFERED`` regions (a province's villages), the form shows one select per level, each
    fetched when the one above changes; what is posted is the deepest one chosen."""
    monkeypatch.setattr(selectors, "REGIONS_OFFERED", 20)  # the test tree is one county; the rule is the same
    client.force_login(national_security)
    page = client.get("/accounts/users/new/").content.decode()
    assert page.count('<select name="region_code"') == 1  # the provinces only
    assert f'<option value="{PROVINCE}">贵州省</option>' in page and "东门村" not in page
    assert "action=manage_users" in page

    picked = client.get(
        "/regions/pick/", {"name": "region_code", "action": "manage_users", "region_code": TOWN_B}
    )
    options = picked.content.decode()
    assert options.count('<select name="region_code"') == 5  # 省, 州, 县, 镇 (西江镇 chosen) and its villages
    assert f'<option value="{TOWN_B}" selected>西江镇</option>' in options and "长乌村村民委员会" in options

    new = {"username": "xj_clerk", "role": "operator", "password": "Initial-pass-2026"}
    chosen = [PROVINCE, PREFECTURE, COUNTY, TOWN_B, VILLAGE_B]
    assert client.post("/accounts/users/new/", {**new, "region_code": chosen}).status_code == 302
    assert User.objects.get(username="xj_clerk").region_id == VILLAGE_B


def test_the_picker_serves_only_the_scope_the_role_reaches(client, users, security):
    client.force_login(security)  # a county's security administrator reads no registry but places accounts
    assert client.get("/regions/pick/", {"region": TOWN_A}).status_code == 403
    page = client.get(
        "/regions/pick/", {"name": "region_code", "action": "manage_users", "region_code": PROVINCE}
    )
    assert (
        page.status_code == 200 and f'value="{PROVINCE}"' not in page.content.decode()
    )  # none above its own
    client.force_login(users["town_a"])  # an operator may not borrow the security administrator's action
    assert client.get("/regions/pick/", {"name": "r", "action": "manage_users"}).status_code == 403
    page = client.get("/regions/pick/", {"name": "r", "r": TOWN_B}).content.decode()
    assert "西江镇" not in page and "东门村村民委员会" in page
    client.force_login(users["national"])  # a form's prefixed field ("h-region" of the household form)
    page = client.get("/regions/pick/", {"name": "h-region", "h-region": TOWN_A}).content.decode()
    assert '<select name="h-region"' in page and "东门村村民委员会" in page
    assert client.get("/regions/pick/", {"name": "<script>"}).status_code == 404


def test_a_finding_is_raised_in_a_region_chosen_by_name(client, users):
    client.force_login(users["county"])
    page = client.get(reverse("assessment:findings")).content.decode()
    assert '<select name="region"' in page and "问题所在区划代码" not in page
    assert f'<option value="{VILLAGE_A}">丹江镇 东门村村民委员会</option>' in page
    post = {
        "source": "hotline", "title": "12317 反映低保未落实", "responsible_unit": "民政局",
        "deadline": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }  # fmt: skip
    page = client.post(reverse("assessment:findings"), {**post, "region": "522635100201"}).content.decode()
    assert "该区划不存在或不在您的管辖范围内" in page and not Finding.objects.exists()
    assert client.post(reverse("assessment:findings"), {**post, "region": VILLAGE_A}).status_code == 302
    assert Finding.objects.get().region_id == VILLAGE_A


def test_the_clue_and_report_forms_offer_names_too(client, users):
    client.force_login(users["town_a"])
    page = client.get(reverse("reports:jobs")).content.decode()
    assert f'<option value="{TOWN_A}" selected>丹江镇</option>' in page and "长乌村" not in page
    response = client.post(
        reverse("reports:jobs"), {"kind": "village_register", "region": VILLAGE_B, "year": 2020}
    )
    assert "不在您的管辖范围内" in response.content.decode()


def test_a_national_assessor_scores_a_province_or_county_chosen_by_name(client, regions):
    assessor = make_user("assessor", Role.ASSESSOR)
    client.force_login(assessor)
    page = client.get(reverse("assessment:scores")).content.decode()
    assert '<select name="region"' in page and '<input name="region"' not in page
    assert f'<option value="{PROVINCE}">贵州省</option>' in page
    assert f'<option value="{COUNTY}">贵州省 黔东南苗族侗族自治州 雷山县</option>' in page
    assert "丹江镇" not in page  # the form offers provinces and counties only
