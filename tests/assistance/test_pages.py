"""Assistance through its pages: forces with caseloads, a household's cadre, matching proposed and accepted."""

from jingzhun.assistance.models import Cadre, HouseholdPairing, MatchingProposal


def test_county_matches_from_the_page_and_households_show_their_cadre(client, poor, cadre, users):
    sick = poor("illness")
    cadre("医生", unit="health")
    cadre("干部", unit="government")
    client.force_login(users["county"])
    forces = client.get("/assistance/").content.decode()
    assert "1 户在册（或返贫、监测）户尚无帮扶责任人" in forces and "医生" in forces
    made = client.post("/assistance/matching/", {"keep_existing": "1"}, follow=True).content.decode()
    assert "匹配方案已生成" in made and "建议调整 1 户" in made
    proposal = MatchingProposal.objects.get()
    done = client.post(
        f"/assistance/matching/{proposal.pk}/accept/", {"all": "1"}, follow=True
    ).content.decode()
    assert "已采纳所选调整" in done
    page = client.get(f"/assistance/households/{sick.pk}/").content.decode()
    assert "医生" in page and "需求匹配调整" in page
    assert "管辖范围内每户在册户都有帮扶责任人" in client.get("/assistance/").content.decode()


def test_township_assigns_a_cadre_and_a_reassignment_needs_a_reason(client, poor, cadre, users):
    household, first, second = poor(), cadre("甲"), cadre("乙", unit="education")
    client.force_login(users["town_a"])
    url = f"/assistance/households/{household.pk}/"
    assert "该户尚无帮扶责任人" in client.get(url).content.decode()
    client.post(url, {"cadre": first.pk})
    refused = client.post(url, {"cadre": second.pk}).content.decode()
    assert "调整时须填写原因" in refused
    client.post(url, {"cadre": second.pk, "reason": "专长更对口"})
    assert HouseholdPairing.objects.get(household=household, ended_on__isnull=True).cadre == second


def test_pages_keep_to_scope_and_roles(client, poor, cadre, users):
    household = poor()
    helper = cadre()
    client.force_login(users["town_b"])
    assert client.get(f"/assistance/households/{household.pk}/").status_code == 404
    client.force_login(users["town_a_viewer"])
    page = client.get(f"/assistance/households/{household.pk}/").content.decode()
    assert "确定帮扶责任人" not in page
    assert client.post(f"/assistance/households/{household.pk}/", {"cadre": helper.pk}).status_code == 200
    assert not HouseholdPairing.objects.exists()
    assert client.post("/assistance/matching/", {"keep_existing": "1"}).status_code == 403
    client.force_login(users["town_a"])
    bad = client.post(
        "/assistance/", {"cadre": "1", "name": "王", "unit": helper.unit_id, "region": "522634101000"}
    ).content.decode()
    assert "不在您的管辖范围内" in bad and Cadre.objects.count() == 1
