"""The schema tells the truth: schemathesis drives every operation, as three kinds of client.

Every answer must conform to the schema (status documented, body of the documented
shape, nullable where null, headers as documented), none may be a server error, and a
request the schema calls invalid must be refused. Bounded: a few cases per operation,
on PostgreSQL, once per CI run.

One check is left out: that every schema-valid request succeeds. A schema can say an id
is a whole number, not that the object exists, nor a business rule (a lead must be
decided interesting to sign); those refusals are 400s naming the field, by design.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from config.wsgi import application
from portrait import roles

pytestmark = [pytest.mark.postgres, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 5


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _connection_kept(db):
    # As Django's test client does: the test's transaction holds the connection, so a
    # request must not close it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(make_user):
    """A token for an admin, a salesperson and an integration account."""
    return {
        role: Token.objects.create(user=make_user(role)).key
        for role in (roles.ADMINS, roles.SALES, roles.INTEGRATIONS)
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_its_schema_says(case, tokens):
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
        )
