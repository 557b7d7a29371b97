"""回头看 through its pages: the county opens and follows a campaign, a village records findings, scope holds."""

import csv
import io

from jingzhun.identification.models import Application, Campaign, CampaignCheck


def _open_from_page(client, users, **fields):
    client.force_login(users["county"])
    data = {
        "title": "2026 年回头看",
        "year": 2026,
        "mode": "sample",
        "sample_percent": 100,
        "seed": 7,
        **fields,
    }
    return client.post("/identification/campaigns/", data, follow=True)


def test_county_opens_a_campaign_and_a_village_records_a_finding(client, county_households, users):
    page = _open_from_page(client, users).content.decode()
    campaign = Campaign.objects.get()
    assert "回头看已发起" in page and "从 7 户中抽取 7 户" in page and "抽样种子 7" in page

    wrong = county_households["registered"][0]
    check = CampaignCheck.objects.get(household=wrong)
    client.force_login(users["village_a"])
    form = client.get(f"/identification/campaigns/checks/{check.pk}/").content.decode()
    assert (
        "录入核查结论" in form and "符合识别条件" in form
    )  # the rules' view of the record is shown beside it
    done = client.post(
        f"/identification/campaigns/checks/{check.pk}/",
        {"on": "2026-11-20", "finding": "wrongly_included", "note": "家有商品房"},
        follow=True,
    ).content.decode()
    assert "核查结论已录入" in done and "清退 · 待入户核实" in done
    assert Application.objects.get().kind == "remove"

    client.force_login(users["county"])
    listing = client.get("/identification/campaigns/").content.decode()
    assert "2026 年回头看" in listing and ">1</td>" in listing  # one 错评, one in the procedure
    detail = client.get(f"/identification/campaigns/{campaign.pk}/").content.decode()
    assert "错评（应清退）" in detail and "结束回头看" in detail
    closing = client.post(f"/identification/campaigns/{campaign.pk}/close/", follow=True).content.decode()
    assert "还有 6 户未录入核查结论" in closing
    export = client.get(f"/identification/campaigns/{campaign.pk}/export/?finding=wrongly_included")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["户编号", "村", "户主姓名"] and len(rows) == 2
    assert rows[1][0] == wrong.number and rows[1][4] == "错评（应清退）" and rows[1][7] == "待入户核实"


def test_a_bad_finding_on_the_page_explains_and_changes_nothing(client, county_households, users):
    _open_from_page(client, users)
    check = CampaignCheck.objects.get(household=county_households["unidentified"][0])
    client.force_login(users["village_a"])
    page = client.post(
        f"/identification/campaigns/checks/{check.pk}/", {"on": "2026-11-20", "finding": "missed", "note": ""}
    ).content.decode()
    assert "核查为错评或漏评时须写明核查情况" in page
    assert CampaignCheck.objects.get(pk=check.pk).finding == "pending" and not Application.objects.exists()


def test_campaign_pages_keep_to_the_users_scope(client, county_households, users):
    _open_from_page(client, users)
    campaign = Campaign.objects.get()
    in_village_a = CampaignCheck.objects.get(household=county_households["registered"][0])
    client.force_login(users["town_b"])  # 西江镇: sees its own villages' checks only
    assert client.get(f"/identification/campaigns/checks/{in_village_a.pk}/").status_code == 404
    detail = client.get(f"/identification/campaigns/{campaign.pk}/").content.decode()
    assert county_households["registered"][0].number not in detail
    assert county_households["registered"][3].number in detail  # the household of 长乌村, 西江镇
    assert client.get(f"/identification/campaigns/{campaign.pk}/").status_code == 200

    client.force_login(users["county_viewer"])  # may read, may not open one
    assert (
        client.post("/identification/campaigns/", {"title": "x", "year": 2026, "mode": "all"}).status_code
        == 403
    )
    assert Campaign.objects.count() == 1


def test_a_town_user_cannot_open_a_campaign(client, county_households, users):
    client.force_login(users["town_a"])
    assert "发起回头看" not in client.get("/identification/campaigns/").content.decode()
    assert (
        client.post("/identification/campaigns/", {"title": "x", "year": 2026, "mode": "all"}).status_code
        == 403
    )
