"""Schemathesis over every operation of the OpenAPI schema, in-process against the WSGI app: whatever it sends
(typed, untyped, huge, empty, NUL), the API answers without a server error, with a documented status code,
content type and body. A national administrator's token reaches every operation; the data is a small county.

``JINGZHUN_FUZZ_EXAMPLES`` (default 25) sets the examples per operation; CI runs it on SQLite and PostgreSQL.
The operations are driven with Hypothesis directly (schemathesis' pytest plugin does not load under pytest 9)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("JINGZHUN_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """A WSGI call closes the database connection when the request ends (as a server should); the test's
    transaction must outlive each call, as Django's own test client arranges."""
    signals.request_finished.disconnect(close_old_connections)
    signals.request_started.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_no_operation_answers_with_a_server_error(users, register, applicant, keep_connection):
    from jingzhun.wsgi import application

    register(phone="13812345678")
    applicant()
    token = Token.objects.get_or_create(user=users["national"])[0].key
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)  # fmt: skip
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures[operation.label] = str(exc)[:1500]
    assert operations > 30, operations  # every operation of the schema was reached
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
