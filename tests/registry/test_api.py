"""The REST API: nested households, field errors as 400, masking, keyset pages, token auth, OpenAPI."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jingzhun.core.models import AuditLog
from jingzhun.registry.models import Household
from tests.conftest import PASSWORD, VILLAGE_A, VILLAGE_B, member, new_id


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_payload(**overrides):
    data = {
        "region": VILLAGE_A,
        "attribute": "dibao",
        "main_cause": "illness",
        "other_causes": ["lack_capital"],
        "members": [member()],
        "years": [
            {
                "year": 2016,
                "income": {"wage": "2400", "business": "1000", "property": "100", "business_expense": "300",
                           "transfer_dibao": "800"},
                "land": {"cultivated": "2.5", "returned_farmland": "1"},
                "living": {"water_safe": True, "house_grade": "C", "road_distance_km": "1.2"},
            }
        ],
    }  # fmt: skip
    data.update(overrides)
    return data


def test_create_returns_the_card_with_computed_income(users):
    response = client_for(users["village_a"]).post("/api/v1/households/", api_payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"{VILLAGE_A}00001"
    income = body["years"][0]["income"]
    assert (
        income["net"] == "4000.00"
        and income["per_capita_net"] == "4000.00"
        and income["property"] == "100.00"
    )
    assert body["years"][0]["land"]["returned_farmland"] == "1.00"
    assert body["years"][0]["living"]["dangerous_house"] is True
    assert "*" in body["members"][0]["id_number"]  # an operator sees ID numbers masked


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"members": [member(id_number="110105194912310021")]}, "members.0.id_number"),
        ({"members": [member(id_number="52263419800230001X")]}, "members.0.id_number"),
        ({"region": "999999999999"}, "region"),
        ({"other_causes": ["lack_capital", "lack_skills", "disaster"]}, "other_causes"),
        ({"main_cause": "bad"}, "main_cause"),
        ({"years": [{"year": 2016, "income": {"wage": "-1"}}]}, "years.0.income.wage"),
        ({"members": "not a list"}, "members"),
    ],
)
def test_bad_input_answers_400_with_field_errors_and_saves_nothing(users, overrides, field):
    response = client_for(users["county"]).post(
        "/api/v1/households/", api_payload(**overrides), format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert Household.objects.count() == 0


def test_member_of_another_household_answers_400_naming_it(users, register):
    other = register(region=VILLAGE_B)
    taken = other.members.first().id_number
    response = client_for(users["county"]).post(
        "/api/v1/households/", api_payload(members=[member(id_number=taken)]), format="json"
    )
    assert response.status_code == 400, response.json()
    assert other.number in response.json()["error"]["fields"]["members.0.id_number"][0]


def test_garbage_bodies_never_produce_a_500(users):
    client = client_for(users["county"])
    for body in ["[1,2", '"text"', "[]", "{}"]:
        response = client.post("/api/v1/households/", body, content_type="application/json")
        assert response.status_code == 400, (body, response.status_code)
    assert client.get("/api/v1/households/?year=abc").status_code == 400
    assert client.get("/api/v1/households/?after=%%%").status_code == 400
    assert client.get("/api/v1/households/?page_size=0").status_code == 400
    assert client.get("/api/v1/regions/?level=9").status_code == 400
    assert client.get("/api/v1/households/999999/").status_code == 404


def test_patch_updates_and_is_audited(users, register):
    h = register()
    response = client_for(users["town_a"]).patch(
        f"/api/v1/households/{h.pk}/", {"main_cause": "disaster", "other_causes": []}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["main_cause"] == "disaster"
    entry = AuditLog.objects.get(model="registry.household", action="update")
    assert entry.actor == users["town_a"] and entry.changes["main_cause"] == ["illness", "disaster"]


def test_viewer_reads_but_cannot_write(users, register):
    h = register()
    client = client_for(users["county_viewer"])
    assert client.get(f"/api/v1/households/{h.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/households/{h.pk}/", {"main_cause": "disaster"}, format="json").status_code
        == 403
    )
    assert client.post("/api/v1/households/", api_payload(), format="json").status_code == 403
    assert client.get(f"/api/v1/households/{h.pk}/?reveal=1").status_code == 403


def test_reveal_shows_full_numbers_and_is_logged(users, register):
    h = register()
    full = h.members.order_by("id").first().id_number
    body = client_for(users["town_a"]).get(f"/api/v1/households/{h.pk}/?reveal=1").json()
    assert body["members"][0]["id_number"] == full
    entry = AuditLog.objects.get(action="reveal")
    assert entry.actor == users["town_a"] and entry.root == f"registry.household:{h.pk}"


def test_admin_sees_full_numbers_without_a_reveal_entry(users, register):
    h = register()
    body = client_for(users["national"]).get(f"/api/v1/households/{h.pk}/").json()
    assert body["members"][0]["id_number"] == h.members.order_by("id").first().id_number
    assert not AuditLog.objects.filter(action="reveal").exists()


def test_list_filters_and_keyset_pages_cover_every_row_once(users, register):
    for _ in range(7):
        register(main_cause="disaster", other_causes=[])
    register(region=VILLAGE_B)
    client = client_for(users["county"])
    seen, url = [], "/api/v1/households/?page_size=3&main_cause=disaster"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == 7 == len(set(seen))
    last = client.get("/api/v1/households/?page_size=3&main_cause=disaster").json()
    second = client.get(last["next"]).json()
    back = client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in last["results"]]
    assert client.get(f"/api/v1/households/?region={VILLAGE_B}").json()["results"][0]["region"] == VILLAGE_B


def test_year_filter_lists_households_with_that_year(users, register):
    register()  # 2015
    client = client_for(users["county"])
    assert len(client.get("/api/v1/households/?year=2015").json()["results"]) == 1
    assert client.get("/api/v1/households/?year=2016").json()["results"] == []


def test_token_auth(users):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "county", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=users["county"]).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regions/?parent=522634000000").status_code == 200
    assert APIClient().get("/api/v1/households/").status_code in (401, 403)


def test_token_endpoint_locks_after_repeated_failures(users, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = APIClient()
    for _ in range(2):
        assert client.post("/api/v1/auth/token/", {"username": "county", "password": "x"}).status_code == 400
    response = client.post("/api/v1/auth/token/", {"username": "county", "password": PASSWORD})
    assert response.status_code == 429 and "登录失败次数过多" in response.json()["error"]["message"]


def test_token_endpoint_answers_400_to_any_body(users):
    client = APIClient()
    for body in ['["county"]', '"text"', "42", "{}"]:
        assert client.post("/api/v1/auth/token/", body, content_type="application/json").status_code == 400


def test_region_counts(users, register):
    register()
    register(members=[member(id_number=new_id())])
    body = client_for(users["county"]).get("/api/v1/regions/522634000000/counts/").json()
    danjiang = next(row for row in body if row["region"]["code"] == "522634100000")
    assert danjiang["households"] == 2 and danjiang["persons"] == 3


def test_openapi_schema_and_docs_are_served(users, client):
    client.force_login(users["county"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/households/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    # Served from our own static files: no asset from another host (the page also carries a random CSRF
    # token, so a bare substring such as "cdn" can appear in it by chance).
    assert not re.findall(rb'(?:src|href)="(?:https?:)?//', docs.content)


def test_patch_of_a_cancelled_household_is_refused_and_changes_nothing(users, register):
    from jingzhun.registry import services

    h = register()
    services.household_cancel(user=users["county"], household=h, reason="整户迁出")
    response = client_for(users["county"]).patch(
        f"/api/v1/households/{h.pk}/", {"household": {"phone": "13800000000"}}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "已注销" in response.json()["error"]["fields"]["status"][0]
    h.refresh_from_db()
    assert (h.head_name, h.member_count, h.phone) == ("杨文明", 2, "")
