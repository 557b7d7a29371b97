"""Every API parameter is validated: bad values answer 400 in the error shape, never a server error; the schema
documents the error answers; answers outside DRF (no route, a body over the limit) keep the same shape."""

import base64
import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import VILLAGE_A

HUGE = 10**26


@pytest.fixture
def api(users):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(users["county"])
    return client


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/assistance/plans/?household=abc",
        "/api/v1/assistance/plans/?household=false",
        f"/api/v1/assistance/plans/?household={HUGE}",
        "/api/v1/assistance/visits/?household=abc",
        "/api/v1/assistance/plans/?year=abc",
        "/api/v1/identification/applications/?year=abc",
        "/api/v1/identification/applications/?year=%C2%B2",
        "/api/v1/identification/publicities/?year=abc",
        "/api/v1/identification/campaigns/?year=abc",
        "/api/v1/identification/applications/?campaign=true",
        f"/api/v1/identification/campaign-checks/?campaign={HUGE}",
        "/api/v1/identification/objections/?status=AAA",
        "/api/v1/identification/publicities/?region=%00",
        "/api/v1/regions/?q=%00",
        "/api/v1/regions/?level=9",
        "/api/v1/regions/?parent=%C2%B2",
        f"/api/v1/households/?after={cursor(['a', 'b'])}",
        f"/api/v1/households/?after={cursor(['522634', HUGE])}",
        f"/api/v1/households/?after={cursor(['522634100201\x00', 1])}",  # a NUL PostgreSQL text cannot hold
        f"/api/v1/households/?after={cursor(['522634100201\ud800', 1])}",  # a lone surrogate, not UTF-8
        f"/api/v1/identification/applications/?after={cursor(['x', 'y'])}",
        "/api/v1/analytics/figures/?year=%C2%B2",
        "/api/v1/households/?page_size=0",
    ],
)
def test_bad_query_parameters_answer_400_in_the_error_shape(api, url):
    response = api.get(url)
    assert response.status_code == 400, (url, response.status_code, response.content[:300])
    body = response.json()["error"]
    assert body["code"] in {"invalid", "bad_cursor", "parse_error"} and body["message"]


def test_a_huge_id_in_a_body_is_a_400(api, users):
    api.force_authenticate(users["village_a"])
    response = api.post(
        "/api/v1/identification/publicities/", {"applications": [HUGE], "round": "first"}, format="json"
    )
    assert response.status_code == 400 and "applications" in json.dumps(response.json(), ensure_ascii=False)


def test_a_body_over_the_limit_and_an_unknown_path_keep_the_error_shape(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(
        "/api/v1/assistance/plans/", {"household": 1, "year": 2026, "pad": "x" * 5000}, format="json"
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_the_schema_documents_errors_and_the_counts_answer_matches_it(api):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/assistance/plans/{id}/"]["get"]
    assert {"400", "403", "404"} <= set(operation["responses"])
    assert "Error" in json.dumps(operation["responses"]["404"])
    listing = schema["paths"]["/api/v1/identification/applications/"]["get"]
    year = next(p for p in listing["parameters"] if p["name"] == "year")
    assert year["schema"]["type"] == "integer" and year["schema"]["maximum"] == 2100
    counts = schema["paths"]["/api/v1/regions/{code}/counts/"]["get"]["responses"]["200"]["content"]
    assert counts["application/json"]["schema"]["type"] == "array"
    assert isinstance(api.get(f"/api/v1/regions/{VILLAGE_A[:9]}000/counts/").json(), list)
