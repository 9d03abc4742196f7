"""The API answers as its OpenAPI schema says (issue 11 item 5): schemathesis generates requests
for every operation from /api/v1/schema/ and sends them through the real application (in-process
WSGI), as the county admin of the tiny demo county; every answer must be documented — no server
error, a documented status code and content type, a body that matches the documented schema.

Each generated request runs in a savepoint that is rolled back, so every one starts from the
demo county. The number of examples per operation is bounded (SCHEMATHESIS_EXAMPLES) so the
suite stays fast; `JICENG_API_FUZZ_EXAMPLES=200 pytest jiceng/core/tests/test_api_schema.py`
searches harder.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiceng.accounts import services as account_services
from jiceng.accounts.models import User
from jiceng.demo.testing import tiny_demo
from jiceng.wsgi import application

EXAMPLES = int(os.environ.get("JICENG_API_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def demo_headers(django_db_setup, django_db_blocker):
    # Requests go through the WSGI handler, which closes a connection in a transaction at the end
    # of each request; Django's test client switches that off, and so must we.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            tiny_demo(3, password="demo-test-2468")
            token = account_services.current_token(User.objects.get(username="demo-county"))
            yield {"Authorization": f"Token {token.key}"}
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema():
    """The schema /api/v1/schema/ serves, generated in-process (as SchemaView does), with the
    Django application attached so that cases are sent through it."""
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    # Revoking the token would leave the rest of the run unauthenticated; it has its own tests.
    return loaded.exclude(path="/api/v1/auth/token/", method="DELETE")


schema = _schema()


@pytest.mark.django_db  # so that pytest-django sets up the test database this module's fixture fills
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_every_operation_answers_as_documented(case, demo_headers, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        response = case.call(headers=demo_headers)
        case.validate_response(response, checks=CHECKS)
        transaction.set_rollback(True)
