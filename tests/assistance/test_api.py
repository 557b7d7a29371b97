"""The assistance API: the same refusals as the pages (400 with the field and the message, 404 outside scope),
plans with measures, progress and visits with a photo."""

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from jingzhun.assistance import services
from jingzhun.assistance.models import Measure, Plan, Visit
from tests.assistance.test_plan_pages import PNG


def as_(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_plans_measures_and_progress_through_the_api(poor, cadre, users, units):
    household = poor()
    api = as_(users["village_a"])
    refused = api.post("/api/v1/assistance/plans/", {"household": household.pk, "year": 2026}, format="json")
    assert refused.status_code == 400 and "还没有帮扶责任人" in str(refused.json()["error"]["fields"])
    services.household_pair(user=None, household=household, cadre=cadre())
    assert as_(users["town_b"]).post("/api/v1/assistance/plans/", {"household": household.pk, "year": 2026},
                                     format="json").status_code == 404  # fmt: skip
    made = api.post("/api/v1/assistance/plans/", {"household": household.pk, "year": 2026, "goal": "稳定增收"},
                    format="json")  # fmt: skip
    assert made.status_code == 201 and made.json()["cadre_name"] == "张帮扶"
    plan = made.json()["id"]
    bad = api.post(f"/api/v1/assistance/plans/{plan}/measures/",
                   {"category": "health", "item": "insurance", "responsible": "县医保局", "planned_amount": "-1"},
                   format="json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["planned_amount"] == ["金额不能为负数。"]
    added = api.post(f"/api/v1/assistance/plans/{plan}/measures/",
                     {"category": "health", "item": "insurance", "responsible": "县医保局", "planned_amount": "560",
                      "unit": units["health"].pk}, format="json")  # fmt: skip
    assert added.status_code == 201 and added.json()["measures"][0]["content"] == "代缴基本医保和大病保险"
    measure = Measure.objects.get()
    done = api.post(f"/api/v1/assistance/measures/{measure.pk}/progress/",
                    {"status": "done", "actual_amount": "540"}, format="json")  # fmt: skip
    assert done.status_code == 200 and done.json()["status_label"] == "已完成"
    assert api.get("/api/v1/assistance/plans/?year=2026").json()["results"][0]["id"] == plan
    outsider = as_(users["town_b"])
    assert outsider.get(f"/api/v1/assistance/plans/{plan}/").status_code == 404
    assert outsider.post(f"/api/v1/assistance/measures/{measure.pk}/progress/", {"status": "cancelled"},
                         format="json").status_code == 404  # fmt: skip
    assert outsider.get("/api/v1/assistance/plans/").json()["results"] == []
    assert Plan.objects.count() == 1


def test_a_visit_with_a_photo_through_the_api(poor, cadre, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = poor()
    someone = cadre()
    api = as_(users["village_a"])
    future = api.post("/api/v1/assistance/visits/", {"household": household.pk, "cadre": someone.pk,
                                                     "visited_on": "2099-01-01", "content": "了解病情"})  # fmt: skip
    assert future.status_code == 400 and "visited_on" in future.json()["error"]["fields"]
    made = api.post("/api/v1/assistance/visits/", {
        "household": household.pk, "cadre": someone.pk, "visited_on": "2026-11-20", "content": "送药上门",
        "photo": SimpleUploadedFile("v.png", PNG, content_type="image/png")}, format="multipart")  # fmt: skip
    assert made.status_code == 201 and made.json()["has_photo"] is True
    assert Visit.objects.get().photo.read() == PNG
    assert as_(users["town_b"]).get("/api/v1/assistance/visits/").json()["results"] == []
