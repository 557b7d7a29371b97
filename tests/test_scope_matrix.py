"""Region scope, for every model and every way in: a township user cannot read, change or export another
township's household (or its members, years, history) through the models, the UI or the API. 404, not 403."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jingzhun.analytics.models import RegionFigures, RuralPopulation
from jingzhun.assistance import plans
from jingzhun.assistance import services as assistance
from jingzhun.assistance.models import Cadre, HouseholdPairing, Measure, Plan, VillageSupport, Visit
from jingzhun.core.models import AuditLog
from jingzhun.identification import campaigns, services
from jingzhun.identification.choices import Round
from jingzhun.identification.models import Application, CampaignCheck, Objection, Publicity
from jingzhun.regions.models import Region, RegionOffice
from jingzhun.registry.models import Household, HouseholdYear, Member
from jingzhun.reports.models import ReportJob
from tests.conftest import COUNTY, TOWN_B, VILLAGE_A, VILLAGE_B

SCOPED_MODELS = [
    Household, Member, HouseholdYear, AuditLog, Region, Application, Publicity, Objection, CampaignCheck,
    Cadre, HouseholdPairing, Plan, Measure, Visit, VillageSupport, RegionFigures, RuralPopulation,
    ReportJob, RegionOffice,
]  # fmt: skip


def _on_a_list_with_an_objection(applicant, village):
    """An application of ``village`` on its first 公示, with an objection (the system acting: no user)."""
    app = services.application_create(user=None, household=applicant(region=village), year=2026)
    services.application_verify(user=None, application=app, passed=True, findings="属实")
    services.application_deliberate(
        user=None, application=app, meeting_on=app.stage_since, attendance=5, votes_for=5, votes_against=0
    )
    publicity = services.publicity_open(
        user=None, region=Region.objects.get(code=village), round=Round.FIRST, applications=[app]
    )
    services.objection_file(user=None, entry=publicity.entries.get(), text="对该户有异议，请核实")
    return app, publicity


@pytest.fixture
def two_households(register, applicant, users):
    for village in (VILLAGE_A, VILLAGE_B):
        _on_a_list_with_an_objection(applicant, village)
    pair = register(region=VILLAGE_A), register(region=VILLAGE_B)
    campaigns.campaign_open(
        user=None, county=Region.objects.get(code=COUNTY), title="回头看", year=2026, mode="all"
    )  # a 回头看 over the whole county draws households of both townships
    unit = assistance.unit_create(user=None, name="县卫健局", unit_type="health", level=3, region=None)
    for household, town in zip(pair, ("522634100000", TOWN_B), strict=True):
        cadre = assistance.cadre_create(
            user=None, name="帮扶人", unit=unit, region=Region.objects.get(code=town)
        )
        assistance.household_pair(user=None, household=household, cadre=cadre)
        plan = plans.plan_create(user=None, household=household, year=2026)
        plans.measure_add(user=None, plan=plan, category="health", item="insurance", responsible="县医保局")
        plans.visit_record(user=None, household=household, cadre=cadre, visited_on=plan.created_at.date(),
                           content="入户走访")  # fmt: skip
        plans.support_add(user=None, village=household.region, year=2026, amount=100, description="修路",
                          kind="funds", unit=unit)  # fmt: skip
        RuralPopulation.objects.create(region=household.region, year=2026, persons=500)
        RegionFigures.objects.create(
            year=2026, code=household.region_id, level=5, parent=household.region_id[:9] + "000",
            figures={"poor_persons": 2}, engine="duckdb", computed_at=timezone.now(),
        )  # fmt: skip
        ReportJob.objects.create(
            user=users["county"], region=Region.objects.get(code=town), kind="township_book", year=2026
        )
        RegionOffice.objects.create(
            region=Region.objects.get(code=town), name="乡镇扶贫工作站", phone="0855-1"
        )
    return pair


def _codes(model, qs):
    lookup = model.scope_lookup
    return set(qs.values_list(lookup, flat=True))


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("action", ["view", "change", "export"])
def test_for_user_never_reaches_another_township(model, action, users, two_households):
    visible = _codes(model, model.objects.for_user(users["town_a"], action))
    assert visible, "the user's own township must be visible"
    assert all(code.startswith("522634100") for code in visible if code), visible
    county_wide = _codes(model, model.objects.for_user(users["county"], action))
    assert any(code.startswith("522634101") for code in county_wide if code)


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_viewer_cannot_change_anything(model, users, two_households):
    assert not model.objects.for_user(users["town_a_viewer"], "change").exists()
    assert model.objects.for_user(users["town_a_viewer"], "view").exists()


def test_anonymous_sees_nothing(two_households):
    from django.contrib.auth.models import AnonymousUser

    for model in SCOPED_MODELS:
        assert not model.objects.for_user(AnonymousUser()).exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/households/{pk}/"),
        ("get", "/households/{pk}/edit/"),
        ("post", "/households/{pk}/edit/"),
        ("post", "/households/{pk}/cancel/"),
        ("post", "/households/{pk}/reveal/"),
        ("get", "/regions/{village}/"),
        ("get", "/assistance/households/{pk}/"),
        ("get", "/assistance/households/{pk}/handbook.pdf"),
        ("post", "/assistance/households/{pk}/plan/"),
        ("post", "/assistance/households/{pk}/visits/"),
        ("get", "/assistance/villages/{village}/"),
        ("get", "/assistance/villages/{village}/form.pdf"),
        ("post", "/assistance/villages/{village}/supports/"),
        ("get", "/analytics/?region={village}"),
        ("get", "/reports/households/{pk}/card.pdf"),
        ("get", "/reports/villages/{village}/register.xlsx"),
        ("get", "/reports/villages/{village}/register.pdf"),
        ("get", "/analytics/?region={village}&download=all"),
    ],
)
def test_ui_answers_404_outside_scope(client, users, two_households, method, url):
    _, other = two_households
    client.force_login(users["town_a"])
    response = getattr(client, method)(url.format(pk=other.pk, village=VILLAGE_B))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "registered"


def test_ui_list_and_export_show_only_own_township(client, users, two_households):
    mine, other = two_households
    client.force_login(users["town_a"])
    page = client.get("/households/").content.decode()
    assert mine.number in page and other.number not in page
    page = client.get(f"/households/?region={TOWN_B}").content.decode()
    assert other.number not in page and "不在您的管辖范围内" in page
    export = b"".join(client.get("/households/export.csv").streaming_content).decode("utf-8-sig")
    assert mine.number in export and other.number not in export


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/households/{pk}/", None),
        ("patch", "/api/v1/households/{pk}/", {"main_cause": "disaster"}),
        (
            "put",
            "/api/v1/households/{pk}/",
            {"region": VILLAGE_A, "attribute": "general", "main_cause": "other"},
        ),
        ("get", "/api/v1/regions/{village}/", None),
        ("get", "/api/v1/regions/{village}/counts/", None),
        ("get", "/api/v1/analytics/figures/?region={village}", None),
    ],
)
def test_api_answers_404_outside_scope(users, two_households, method, url, body):
    _, other = two_households
    client = APIClient()
    client.force_authenticate(users["town_a"])
    response = getattr(client, method)(url.format(pk=other.pk, village=VILLAGE_B), body, format="json")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.main_cause == "illness"


def test_api_list_and_filters_cannot_widen_scope(users, two_households):
    mine, other = two_households
    client = APIClient()
    client.force_authenticate(users["town_a"])
    numbers = [r["number"] for r in client.get("/api/v1/households/").json()["results"]]
    assert mine.number in numbers and other.number not in numbers
    assert all(n.startswith(VILLAGE_A) for n in numbers)
    assert client.get(f"/api/v1/households/?region={TOWN_B}").status_code == 400
    assert client.get("/api/v1/households/?region=520000000000").status_code == 400
    codes = {r["code"] for r in client.get("/api/v1/regions/?page_size=500").json()["results"]}
    assert VILLAGE_A in codes and VILLAGE_B not in codes


def test_creating_in_another_township_is_refused(users, two_households):
    from tests.registry.test_api import api_payload

    client = APIClient()
    client.force_authenticate(users["town_a"])
    before = Household.objects.filter(region_id=VILLAGE_B).count()
    response = client.post("/api/v1/households/", api_payload(region=VILLAGE_B), format="json")
    assert response.status_code == 400 and "region" in response.json()["error"]["fields"]
    assert Household.objects.filter(region_id=VILLAGE_B).count() == before


def test_export_of_another_township_is_404(client, users, two_households):
    client.force_login(users["town_a"])
    assert client.get(f"/households/export.csv?region={TOWN_B}").status_code == 404
