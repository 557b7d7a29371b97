"""The household list's search as people use it: part of a name (the head's or a member's), a full ID number
or its last digits (matched, never shown), a 户编号; a count of what was found; a region picked from lists."""

from tests.conftest import COUNTY, TOWN_A, VILLAGE_A, member, new_id


def _listed(client, **params) -> str:
    return client.get("/households/", params).content.decode()


def test_search_by_part_of_a_name_a_member_an_id_number_or_its_tail(client, register, users):
    spouse_id = new_id(male=False)
    household = register(
        members=[member(name="杨文明"), member("spouse", name="吴秀英", id_number=spouse_id)]
    )
    register(members=[member(name="王老实")])
    client.force_login(users["village_a"])
    for typed in ("文明", "秀英", spouse_id, spouse_id[-4:], spouse_id[-6:], household.number):
        page = _listed(client, q=typed)
        assert household.number in page and "王老实" not in page and "找到 1 户" in page, typed
    assert spouse_id not in _listed(client, q=spouse_id[-4:])  # matched, not shown
    assert "找到 0 户" in _listed(client, q="不存在的人")


def test_the_region_picker_lists_the_regions_under_each_chosen_one(client, register, users):
    register()
    client.force_login(users["county"])
    page = _listed(client, region=VILLAGE_A)
    assert f'value="{TOWN_A}" selected' in page and f'value="{VILLAGE_A}" selected' in page
    assert f'value="{COUNTY}"' in page  # 「全部」 of the township select picks the county again
    fragment = client.get("/regions/pick/", {"region": TOWN_A}).content.decode()
    assert f'value="{VILLAGE_A}"' in fragment and "（全部）" in fragment
    assert "新建贫困户" in page
