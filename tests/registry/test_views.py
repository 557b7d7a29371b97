"""The web pages a village or township operator uses: forms with Chinese field errors, the card, history."""

from jingzhun.core.models import AuditLog
from jingzhun.registry.forms import MemberForm
from jingzhun.registry.models import Household, Member
from tests.conftest import VILLAGE_A, member, new_id


def form_data(region=VILLAGE_A, members=None, **overrides):
    members = members or [member()]
    data = {
        "h-region": region, "h-status": "registered", "h-identification_standard": "national",
        "h-attribute": "general", "h-main_cause": "illness", "h-identified_year": "2015", "h-phone": "",
        "m-TOTAL_FORMS": str(len(members)), "m-INITIAL_FORMS": "0",
        "y-year": "2015", "y-wage": "3000", "y-business": "0", "y-property_income": "0", "y-property_dividend": "0",
        "y-transfer_family_planning": "0", "y-transfer_dibao": "0", "y-transfer_wubao": "0",
        "y-transfer_pension": "0", "y-transfer_eco": "0", "y-transfer_other": "0", "y-business_expense": "0",
        "y-land_cultivated": "1", "y-land_forest": "0", "y-land_returned": "0", "y-land_fruit": "0",
        "y-land_pasture": "0", "y-land_water": "0",
    }  # fmt: skip
    for i, m in enumerate(members):
        for key, value in m.items():
            if isinstance(value, bool):
                if value:
                    data[f"m-{i}-{key}"] = "on"
            elif value is not None:
                data[f"m-{i}-{key}"] = str(value)
    data.update(overrides)
    return data


def test_create_household_through_the_form(client, users):
    client.force_login(users["village_a"])
    response = client.post("/households/new/", form_data())
    household = Household.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    card = client.get(response["Location"]).content.decode()
    assert household.number in card and "3,000" in card.replace("3000", "3,000")


def test_the_village_is_chosen_by_name_not_typed_as_a_code(client, users):
    """A county's operator picks the new household's village from the county's villages, township first."""
    client.force_login(users["county"])
    page = client.get("/households/new/").content.decode()
    assert (
        '<select name="h-region"' in page
        and f'<option value="{VILLAGE_A}">丹江镇 东门村村民委员会</option>' in page
    )
    client.force_login(users["village_a"])  # a village operator's own village, preselected
    page = client.get("/households/new/").content.decode()
    assert f'<option value="{VILLAGE_A}" selected>丹江镇 东门村村民委员会</option>' in page


def test_form_errors_are_shown_in_chinese_next_to_the_field_and_nothing_is_saved(client, users):
    client.force_login(users["village_a"])
    bad = form_data(
        members=[member(id_number="110105194912310021")],
        **{"y-wage": "-100", "h-other_causes": ["lack_capital", "lack_skills", "disaster"]},
    )
    page = client.post("/households/new/", bad).content.decode()
    assert "校验位错误" in page
    assert "金额不能为负数" in page or "大于或者等于 0" in page
    assert "尚未保存任何内容" in page
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_service_errors_land_on_their_fields(client, users):
    client.force_login(users["village_a"])
    page = client.post("/households/new/", form_data(**{"h-other_causes": ["illness"]})).content.decode()
    assert "不能与主要致贫原因" in page
    assert Household.objects.count() == 0


def test_add_member_button_adds_a_blank_member_form(client, users):
    client.force_login(users["village_a"])
    page = client.post("/households/new/", {**form_data(), "add_member": "1"}).content.decode()
    assert 'name="m-1-name"' in page and Household.objects.count() == 0


def test_adding_a_member_shows_no_errors_for_rows_not_filled_yet_and_a_new_row_can_be_dropped(client, users):
    client.force_login(users["village_a"])
    empty_head = {k: v for k, v in form_data().items() if not k.startswith("m-0-")}
    page = client.post("/households/new/", {**empty_head, "add_member": "1"}).content.decode()
    assert 'name="m-1-name"' in page and "errorlist" not in page and "保存失败" not in page
    assert 'value="3000"' in page  # what was typed is given back
    # the page as now shown: head filled in, the new row left empty, then a third row added and dropped
    untouched = {  # what a browser posts for the new row nobody filled in: the fields' defaults
        f"m-1-{bf.name}": bf.value()
        for bf in MemberForm(prefix="m-1")
        if bf.value() is not None and bf.value() is not False
    }
    data = form_data(
        **untouched, **{"m-TOTAL_FORMS": "3", "m-INITIAL_FORMS": "1", "m-2-name": "半填", "m-2-DELETE": "on"}
    )
    response = client.post("/households/new/", data)
    assert response.status_code == 302
    assert Member.objects.count() == 1 and not Member.objects.filter(name="半填").exists()


def test_edit_removes_a_member_and_history_shows_it(client, users, register):
    household = register()
    head, spouse = household.members.order_by("id")
    client.force_login(users["town_a"])
    page = client.get(f"/households/{household.pk}/edit/").content.decode()
    assert head.id_number in page  # the edit form needs the full number …
    assert AuditLog.objects.filter(
        action="reveal", actor=users["town_a"]
    ).exists()  # … and that read is logged
    data = form_data(members=[member(id_number=head.id_number), member("spouse", id_number=spouse.id_number)])
    data.update(
        {"m-INITIAL_FORMS": "2", "m-0-id": str(head.pk), "m-1-id": str(spouse.pk), "m-1-DELETE": "on"}
    )
    response = client.post(f"/households/{household.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    spouse.refresh_from_db()
    assert not spouse.is_active
    card = client.get(f"/households/{household.pk}/").content.decode()
    assert "修改记录" in card and "已移出" in card and "town_a" in card


def test_card_masks_ids_until_revealed_and_the_reveal_is_logged(client, users, register):
    household = register()
    full = household.members.order_by("id").first().id_number
    client.force_login(users["town_a"])
    card = client.get(f"/households/{household.pk}/").content.decode()
    assert full not in card and full[:4] + "**********" + full[-4:] in card
    client.post(f"/households/{household.pk}/reveal/")
    assert full in client.get(f"/households/{household.pk}/").content.decode()
    assert AuditLog.objects.filter(action="reveal", actor=users["town_a"]).count() == 1


def test_viewer_cannot_reveal_edit_or_cancel(client, users, register):
    household = register()
    client.force_login(users["town_a_viewer"])
    assert client.post(f"/households/{household.pk}/reveal/").status_code == 404
    assert client.get(f"/households/{household.pk}/edit/").status_code == 404
    assert client.post(f"/households/{household.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get("/households/new/").status_code == 403


def test_cancel_needs_a_reason(client, users, register):
    household = register()
    client.force_login(users["town_a"])
    client.post(f"/households/{household.pk}/cancel/", {"reason": ""})
    household.refresh_from_db()
    assert household.status == "registered"
    client.post(f"/households/{household.pk}/cancel/", {"reason": "自然消亡"})
    household.refresh_from_db()
    assert household.status == "cancelled"


def test_list_filters_paginate_and_show_an_empty_state(client, users, register):
    for _ in range(3):
        register(members=[member(id_number=new_id())])
    client.force_login(users["county"])
    page = client.get("/households/?main_cause=disaster").content.decode()
    assert "没有符合条件的贫困户" in page
    page = client.get("/households/?year=abc").content.decode()
    assert "输入整数" in page or "整数" in page
    page = client.get("/households/?year=2015").content.decode()
    assert "2015 年人均纯收入" in page
    assert "下一页" not in client.get("/households/").content.decode()


def test_region_browser_drills_down_with_counts(client, users, register):
    register()
    client.force_login(users["county"])
    page = client.get("/regions/522634000000/").content.decode()
    assert "丹江镇" in page and "西江镇" in page and '<td class="num" data-label="户数">1</td>' in page
    page = client.get("/regions/522634100000/").content.decode()
    assert "东门村" in page
    assert "工作台" in client.get("/").content.decode()


def test_export_masks_for_operators_and_is_audited(client, users, register):
    household = register()
    full = household.members.order_by("id").first().id_number
    client.force_login(users["county"])
    body = b"".join(client.get("/households/export.csv").streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("户编号,") and full not in body and household.number in body
    assert AuditLog.objects.filter(action="export", actor=users["county"]).exists()
    client.force_login(users["national"])
    body = b"".join(client.get("/households/export.csv").streaming_content).decode("utf-8-sig")
    assert full in body


def test_english_is_available(client, users):
    client.force_login(users["county"])
    page = client.get("/households/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "贫困户名单" in page  # Chinese first, whatever the browser asks for
    client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    page = client.get("/households/").content.decode()
    assert 'lang="en"' in page and "Poor households" in page and "Main cause" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/households/"})
    assert "贫困户名单" in client.get("/households/").content.decode()
