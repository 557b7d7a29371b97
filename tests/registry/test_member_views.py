"""The 人口变动 pages as each role sees them: the card's actions, the forms and their refusals, transfers between
counties and the 分户 review list."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jingzhun.registry import members as mc
from jingzhun.registry.models import Household, MemberChange, SplitReview, Transfer
from tests.conftest import COUNTY_B, VILLAGE_A, VILLAGE_B, VILLAGE_B2, id_born_on, member

TODAY = timezone.localdate()


def card(client, h) -> str:
    return client.get(reverse("registry:household_detail", args=[h.pk])).content.decode()


def test_the_card_offers_the_changes_the_reader_may_take(client, register, users):
    h = register()
    client.force_login(users["village_a"])
    page = card(client, h)
    assert "出生登记" in page and "分户" in page and "跨县迁出" not in page
    client.force_login(users["county"])
    assert "跨县迁出" in card(client, h)
    client.force_login(users["county_viewer"])
    page = card(client, h)
    assert "出生登记" not in page
    assert client.get(reverse("registry:member_change", args=[h.pk, "birth"])).status_code == 404
    client.force_login(users["village_a"])
    assert client.get(reverse("registry:member_change", args=[h.pk, "nonsense"])).status_code == 404


def test_a_birth_and_a_refused_death_through_the_forms(client, register, users):
    h = register()
    client.force_login(users["village_a"])
    url = reverse("registry:member_change", args=[h.pk, "birth"])
    assert "身份证号中的出生日期" in client.get(url).content.decode()
    born = TODAY - dt.timedelta(days=10)
    data = {
        "name": "杨小明", "id_number": id_born_on(born), "relationship": "son", "ethnicity": "06",
        "education": "preschool_child", "schooling": "none", "health": "healthy", "labour": "none",
        "work_status": "none", "months_worked": "0",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    page = card(client, h)
    assert f"{born:%Y-%m-%d} 新增人口：杨小明（出生）" in page

    wife = h.members.get(name="吴秀英")
    response = client.post(
        reverse("registry:member_change", args=[h.pk, "death"]),
        {"member": wife.pk, "effective_on": (wife.birth_date - dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200 and "死亡日期不能早于该成员的出生日期。" in response.content.decode()
    assert MemberChange.objects.count() == 1 and h.members.get(pk=wife.pk).is_active


def test_a_transfer_sent_by_one_county_and_accepted_by_the_other(client, register, users, county_b):
    h = register()
    wife = h.members.get(name="吴秀英")
    client.force_login(users["county"])
    url = reverse("registry:member_change", args=[h.pk, "transfer"])
    for village, refusal in (
        (VILLAGE_A, "迁入村是本户所在村"),
        (VILLAGE_B, "迁入县与迁出县相同"),
        (COUNTY_B, "请选择村级区划（所选为县级）"),  # no JavaScript: the deepest select chosen was a county
        ("522635999999", "区划代码 522635999999 不存在"),
    ):
        response = client.post(url, {"members": [wife.pk], "to_village": village, "reason": "投亲"})
        assert refusal in response.content.decode() and not Transfer.objects.exists()
    # the refused county comes back with its townships to choose from (outside the sender's scope, by name)
    again = client.post(
        url, {"members": [wife.pk], "to_village": COUNTY_B, "reason": "投亲"}
    ).content.decode()
    assert f'<option value="{COUNTY_B}" selected>麻江县</option>' in again and "杏山镇" in again
    client.post(url, {"members": [wife.pk], "to_village": VILLAGE_B2, "reason": "投亲"})
    t = Transfer.objects.get()
    assert (t.to_county_id, t.to_village_id) == (COUNTY_B, VILLAGE_B2)
    page = card(client, h)
    assert "待迁出" in page and "跨县迁往麻江县" in page

    client.force_login(county_b)
    assert "吴秀英" in client.get(reverse("registry:transfer_list")).content.decode()
    detail = client.get(reverse("registry:transfer_detail", args=[t.pk])).content.decode()
    assert "接收迁入" in detail and wife.id_number not in detail
    assert "仙坝村" in detail and f'<option value="{VILLAGE_B2}" selected>' in detail  # the village named
    response = client.post(
        reverse("registry:transfer_accept", args=[t.pk]), {"village": VILLAGE_B2, f"rel_{wife.pk}": "head"}
    )
    new = Household.objects.get(region_id=VILLAGE_B2)
    assert response.status_code == 302 and response.url == reverse("registry:household_detail", args=[new.pk])
    assert "新增人口：吴秀英（迁入，来自" in card(client, new)
    client.force_login(users["county"])
    assert "减少人口：吴秀英（迁出，至" in card(client, h)


def test_the_township_clears_a_split_review(client, register, users):
    h = register(status="registered", identified_year=2015)
    wife = h.members.get(name="吴秀英")
    new = mc.household_split(
        user=users["village_a"], household=h, members=[wife], relationships={wife.pk: "head"}
    )
    client.force_login(users["town_a"])
    assert "分户待审核" in card(client, new)
    listing = client.get(reverse("registry:split_review_list")).content.decode()
    assert new.number in listing
    review = SplitReview.objects.get()
    client.post(reverse("registry:split_review_clear", args=[review.pk]), {"finding": "分户属实"})
    assert SplitReview.objects.get().status == "cleared"
    client.force_login(users["village_a"])
    assert client.get(reverse("registry:split_review_list")).status_code == 403


def test_a_merge_in_two_steps_and_a_move_through_the_forms(client, register, users):
    h, other = register(), register(members=[member(name="杨老三")])
    client.force_login(users["village_a"])
    url = reverse("registry:member_change", args=[h.pk, "merge"])
    page = client.post(url, {"other": other.number, "pick": "1"}).content.decode()
    old = other.members.get()
    assert f"id_rel_{old.pk}" in page and "杨老三 在迁入户中与户主的关系" in page
    response = client.post(url, {"other": other.number, f"rel_{old.pk}": "sibling", "save": "1"})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == "cancelled" and "合户迁入" in card(client, h)

    wife = h.members.get(name="吴秀英")
    url = reverse("registry:member_change", args=[h.pk, "move"])
    page = client.post(url, {"members": [wife.pk], "to_household": h.number, f"rel_{wife.pk}": "other"})
    assert "迁入户与迁出户相同" in page.content.decode()
    response = client.post(url, {"members": [wife.pk], "village": VILLAGE_A, f"rel_{wife.pk}": "head"})
    new = Household.objects.get(head_name="吴秀英")
    assert (
        response.url == reverse("registry:household_detail", args=[new.pk]) and new.status == "unidentified"
    )


def test_the_transfer_form_offers_the_whole_country_by_name_one_level_at_a_time(
    client, register, users, county_b
):
    """The receiving village lies outside the sender's scope: the form's picker starts at the provinces and
    loads each level below the one chosen (htmx), names only; the county's own picker stays within its scope."""
    h = register()
    client.force_login(users["county"])
    page = client.get(reverse("registry:member_change", args=[h.pk, "transfer"])).content.decode()
    assert (
        'name="to_village"' in page and "贵州省" in page and "仙坝村" not in page and "everywhere=1" in page
    )
    pick = reverse("regions:pick")
    query = {"name": "to_village", "action": "transfer_send", "lowest": "5", "everywhere": "1"}
    township = client.get(pick, {**query, "to_village": COUNTY_B}).content.decode()
    assert "杏山镇" in township and "仙坝村" not in township  # one level below the county chosen
    village = client.get(pick, {**query, "to_village": "522635100000"}).content.decode()
    assert f'<option value="{VILLAGE_B2}">仙坝村</option>' in village and "杨文明" not in village
    in_scope = client.get(pick, {"name": "region", "region": COUNTY_B}).content.decode()
    assert "杏山镇" not in in_scope  # without everywhere the picker never leaves the user's scope
