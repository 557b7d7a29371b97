"""The identification API: the same procedure as the pages, through /api/v1/identification/ — every step by the
user of its level, refusals as clear 400/403/404 answers that change nothing, and 回头看 over the API."""

from django.core.management import call_command
from rest_framework.test import APIClient

from jingzhun.identification.models import Application, Campaign, Publicity
from tests.conftest import VILLAGE_A

from .conftest import period_passes

API = "/api/v1/identification"


def as_(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _close_after_period(user, publicity_id):
    period_passes(Publicity.objects.get(pk=publicity_id))
    answer = as_(user).post(f"{API}/publicities/{publicity_id}/close/")
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_one_household_through_the_api_from_application_to_announcement(applicant, users):
    household = applicant()
    village, town, county = as_(users["village_a"]), as_(users["town_a"]), as_(users["county"])
    created = village.post(
        f"{API}/applications/", {"household": household.pk, "year": 2026, "reason": "因病"}
    )
    assert created.status_code == 201 and created.json()["stage_label"] == "待入户核实"
    app = created.json()["id"]
    assert created.json()["verdict"]["qualifies"] is True  # the rules' reasons come with the record
    verified = village.post(f"{API}/applications/{app}/verify/", {"passed": True, "findings": "收入属实"})
    assert verified.json()["stage"] == "verified"
    deliberated = village.post(
        f"{API}/applications/{app}/deliberate/",
        {"meeting_on": "2026-11-20", "attendance": 30, "votes_for": 28, "votes_against": 1},
        format="json",
    )
    assert deliberated.json()["stage"] == "deliberated"
    first = village.post(
        f"{API}/publicities/", {"region": VILLAGE_A, "round": "first", "applications": [app]}, format="json"
    )
    assert first.status_code == 201 and first.json()["entries"][0]["head_name"] == "王老实"
    _close_after_period(users["village_a"], first.json()["id"])
    assert (
        town.post(f"{API}/applications/{app}/review/", {"passed": True}).json()["stage"]
        == "township_approved"
    )
    second = town.post(
        f"{API}/publicities/", {"region": VILLAGE_A, "round": "second", "applications": [app]}, format="json"
    ).json()
    objection = town.post(
        f"{API}/objections/",
        {"entry": second["entries"][0]["id"], "text": "群众电话反映该户有车", "contact": "13900001111"},
    )
    assert objection.status_code == 201 and objection.json()["reference"].startswith("YY")
    seen_by_viewer = as_(users["county_viewer"]).get(f"{API}/objections/{objection.json()['id']}/").json()
    assert seen_by_viewer["contact"] != "13900001111" and seen_by_viewer["contact"].endswith("1111")
    assert _close_after_period(users["town_a"], second["id"])["entries"][0]["withdrawn"] is False
    assert Application.objects.get(pk=app).stage == "second_publicity"  # held by the open objection
    resolved = town.post(
        f"{API}/objections/{objection.json()['id']}/resolve/", {"upheld": False, "reason": "车辆为农用三轮车"}
    )
    assert resolved.json()["status"] == "dismissed"
    assert (
        county.post(f"{API}/applications/{app}/approve/", {"passed": True}).json()["stage"]
        == "county_approved"
    )
    announced = county.post(
        f"{API}/publicities/",
        {"region": VILLAGE_A, "round": "announcement", "applications": [app]},
        format="json",
    )
    assert announced.status_code == 201
    household.refresh_from_db()
    assert household.status == "registered"
    steps = county.get(f"{API}/applications/{app}/").json()["steps"]
    assert [s["kind_label"] for s in steps][:3] == ["农户申请", "入户核实", "民主评议"] and len(steps) == 10


def test_refusals_answer_clearly_and_change_nothing(application, users):
    url = f"{API}/applications/{application.pk}"
    wrong_level = as_(users["town_a"]).post(f"{url}/verify/", {"passed": True, "findings": "属实"})
    assert wrong_level.status_code == 403 and "须由村级用户办理" in wrong_level.json()["error"]["message"]
    skipped = as_(users["village_a"]).post(
        f"{url}/deliberate/",
        {"meeting_on": "2026-11-20", "attendance": 5, "votes_for": 5, "votes_against": 0},
        format="json",
    )
    assert skipped.status_code == 400
    assert "不能办理「民主评议」" in skipped.json()["error"]["fields"]["non_field_errors"][0]
    bad = as_(users["village_a"]).post(f"{url}/deliberate/", {"meeting_on": "昨天", "attendance": "三十"})
    assert bad.status_code == 400 and {"meeting_on", "attendance", "votes_for"} <= set(
        bad.json()["error"]["fields"]
    )
    assert (
        as_(users["town_b"]).get(f"{url}/").status_code == 404
    )  # another township: not found, not forbidden
    assert as_(users["town_b"]).post(f"{url}/review/", {"passed": True}).status_code == 404
    viewer = as_(users["county_viewer"]).post(f"{url}/approve/", {"passed": True})
    assert viewer.status_code == 403
    assert Application.objects.get(pk=application.pk).stage == "applied"
    assert application.steps.count() == 1


def test_lists_are_scoped_and_filtered(applicant, users):
    village = as_(users["village_a"])
    for _ in range(3):
        village.post(f"{API}/applications/", {"household": applicant().pk, "year": 2026})
    page = village.get(f"{API}/applications/?stage=applied&page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]
    assert len(village.get(page["next"]).json()["results"]) == 1
    assert as_(users["town_b"]).get(f"{API}/applications/").json()["results"] == []
    assert village.get(f"{API}/applications/?stage=rejected").json()["results"] == []


def test_a_campaign_over_the_api(county_households, users):
    county, village = as_(users["county"]), as_(users["village_a"])
    opened = county.post(
        f"{API}/campaigns/",
        {"title": "回头看", "year": 2026, "mode": "sample", "sample_percent": 100, "seed": 3},
    )
    assert opened.status_code == 201 and opened.json()["counts"]["pending"] == 7
    campaign = opened.json()["id"]
    mine = village.get(f"{API}/campaign-checks/?campaign={campaign}").json()["results"]
    assert len(mine) == 6  # the seventh household is in 长乌村, outside village A
    wrong = next(c for c in mine if c["status_then"] == "registered")
    recorded = village.post(
        f"{API}/campaign-checks/{wrong['id']}/record/", {"finding": "wrongly_included", "note": "家有商品房"}
    )
    assert recorded.status_code == 200 and recorded.json()["application"]
    assert Application.objects.get(pk=recorded.json()["application"]).kind == "remove"
    listed = county.get(f"{API}/campaigns/").json()["results"][0]["counts"]
    assert (listed["wrongly_included"], listed["in_procedure"], listed["pending"]) == (1, 1, 6)
    refused = county.post(f"{API}/campaigns/{campaign}/close/")
    assert refused.status_code == 400 and "还有 6 户未录入核查结论" in str(refused.json())
    assert (
        as_(users["town_a"])
        .post(f"{API}/campaigns/", {"title": "x", "year": 2026, "mode": "all"})
        .status_code
        == 403
    )
    assert (
        as_(users["national"])
        .post(f"{API}/campaigns/", {"title": "x", "year": 2026, "mode": "all"})
        .status_code
        == 403
    )
    assert Campaign.objects.count() == 1


def test_the_api_schema_describes_identification_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/v1/identification/applications/{id}/approve/" in schema
    assert "/api/v1/identification/campaign-checks/{id}/record/" in schema


def test_an_attachment_of_the_wrong_type_is_refused_through_the_api_too(
    application, users, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    bad = SimpleUploadedFile("核实表.exe", b"MZ not a form", content_type="application/octet-stream")
    answer = as_(users["village_a"]).post(
        f"{API}/applications/{application.pk}/verify/",
        {"passed": "true", "findings": "收入属实", "attachment": bad},
        format="multipart",
    )
    assert answer.status_code == 400 and "附件只能是 PDF、JPG 或 PNG 文件" in str(answer.json())
    assert Application.objects.get(pk=application.pk).stage == "applied" and not list(tmp_path.rglob("*.exe"))
