"""Every API operation × every role: allowed or refused, from one table.

The table is the specification: a new operation fails ``test_the_table_lists_every_operation``
until it gets a row, and a row that no longer matches the code fails its requests.
Roles follow DESIGN.md's role table. Beyond it, as the code grants today: salespeople
may merge leads, and integrations read the decision history of their leads (reasons
included), which their systems pull back.
"""

import pytest
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from portrait import roles

ANONYMOUS, NO_GROUP = "anonymous", "no group"
TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS = (
    roles.TECHNICAL,
    roles.SALES,
    roles.SALES_MANAGERS,
    roles.ADMINS,
    roles.INTEGRATIONS,
)
EVERY_ROLE = (ANONYMOUS, NO_GROUP, TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS)
STAFF = {TECH, SALES, MANAGERS, ADMINS}

#: "METHOD path" → the roles the operation lets through (the object may still be out of reach).
OPERATIONS: dict[str, set[str]] = {
    "GET /api/v1/leads/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/leads/{pk}/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/leads/{pk}/duplicates/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/leads/{pk}/decisions/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "POST /api/v1/leads/bulk-upsert/": {MANAGERS, ADMINS, INTEGRATIONS},
    "POST /api/v1/leads/{pk}/decision/": {SALES, MANAGERS},
    "POST /api/v1/leads/{pk}/merge/": {SALES, MANAGERS, ADMINS},
    "POST /api/v1/leads/{pk}/reassign/": {MANAGERS, ADMINS},
    "POST /api/v1/leads/{pk}/lost/": {SALES, MANAGERS},
    "GET /api/v1/lead-imports/": {MANAGERS, ADMINS, INTEGRATIONS},
    "POST /api/v1/lead-imports/": {MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/lead-imports/{pk}/": {MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/lead-imports/{pk}/errors/": {MANAGERS, ADMINS, INTEGRATIONS},
    "POST /api/v1/lead-imports/{pk}/cancel/": {MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/evaluation-runs/": {TECH, MANAGERS, ADMINS},
    "GET /api/v1/evaluation-runs/{pk}/": {TECH, MANAGERS, ADMINS},
    "POST /api/v1/evaluation-runs/{pk}/resume/": {MANAGERS, ADMINS},
    "GET /api/v1/rejection-reasons/": STAFF,
    "GET /api/v1/rejection-reasons/{code}/": STAFF,
    "GET /api/v1/sales-plans/": {SALES, MANAGERS, ADMINS},
    "GET /api/v1/sales-plans/{pk}/": {SALES, MANAGERS, ADMINS},
    "GET /api/v1/sales-plans/{pk}/coverage/": {SALES, MANAGERS, ADMINS},
    "POST /api/v1/sales-plans/": {MANAGERS, ADMINS},
    "PUT /api/v1/sales-plans/{pk}/": {MANAGERS, ADMINS},
    "PATCH /api/v1/sales-plans/{pk}/": {MANAGERS, ADMINS},
    "DELETE /api/v1/sales-plans/{pk}/": {MANAGERS, ADMINS},
    "GET /api/v1/funnel/figures/": {SALES, MANAGERS, ADMINS},
    "GET /api/v1/funnel/conversion/": {MANAGERS, ADMINS},
    "GET /api/v1/funnel/coverage/": {MANAGERS, ADMINS},
    "GET /api/v1/alerts/": {SALES, MANAGERS, ADMINS},
    "GET /api/v1/alerts/{pk}/": {SALES, MANAGERS, ADMINS},
    "POST /api/v1/alerts/{pk}/resolve/": {MANAGERS, ADMINS},
    "GET /api/v1/portraits/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "GET /api/v1/portraits/{pk}/": {TECH, SALES, MANAGERS, ADMINS, INTEGRATIONS},
    "POST /api/v1/portraits/": {ADMINS},
    "PATCH /api/v1/portraits/{pk}/": {ADMINS},
    "POST /api/v1/portraits/{pk}/publish/": {ADMINS},
    "POST /api/v1/portraits/{pk}/copy/": {ADMINS},
    "POST /api/v1/portraits/{pk}/acknowledge/": STAFF,
    "GET /api/v1/portraits/{pk}/acknowledgements/": {ADMINS},
    "GET /api/v1/clients/": STAFF,
    "GET /api/v1/clients/{pk}/": STAFF,
    "POST /api/v1/clients/": {MANAGERS, ADMINS},
    "PATCH /api/v1/clients/{pk}/": {SALES, MANAGERS, ADMINS},
    "GET /api/v1/departments/": STAFF,
    "GET /api/v1/departments/{pk}/": STAFF,
    "POST /api/v1/departments/": {ADMINS},
    "GET /api/v1/contracts/": STAFF,
    "GET /api/v1/contracts/{pk}/": STAFF,
    "POST /api/v1/contracts/": {SALES, MANAGERS},
    "GET /api/v1/negotiations/": STAFF,
    "GET /api/v1/negotiations/{pk}/": STAFF,
    "POST /api/v1/negotiations/": {SALES, MANAGERS},
    "POST /api/v1/negotiations/{pk}/entries/": {SALES, MANAGERS},
    "POST /api/v1/negotiations/{pk}/close/": {SALES, MANAGERS},
    "GET /api/v1/feedback/": STAFF,
    "GET /api/v1/feedback/{pk}/": STAFF,
    "POST /api/v1/feedback/": {*STAFF, INTEGRATIONS},
    "POST /api/v1/feedback/{pk}/acknowledge/": STAFF,
    "POST /api/v1/feedback/{pk}/resolve/": STAFF,
    "GET /api/v1/delays/": STAFF,
    "POST /api/v1/delays/": STAFF,
    "GET /api/v1/service-rules/": {*STAFF, INTEGRATIONS},
    "GET /api/v1/service-rules/{pk}/": {*STAFF, INTEGRATIONS},
    "POST /api/v1/service-rules/": {ADMINS},
    "PATCH /api/v1/service-rules/{pk}/": {ADMINS},
    "POST /api/v1/service-rules/{pk}/publish/": {ADMINS},
    "POST /api/v1/service-rules/{pk}/copy/": {ADMINS},
    "POST /api/v1/service-rules/{pk}/acknowledge/": STAFF,
    "GET /api/v1/service-rules/{pk}/acknowledgements/": {ADMINS},
    "GET /api/v1/reports/service/": {MANAGERS, ADMINS},
    "GET /api/v1/reports/ratings/": {MANAGERS, ADMINS},
    "GET /api/v1/reports/no-contact/": {MANAGERS, ADMINS},
}
# The schema and its docs are public reading, outside the versioned API.
_NOT_OPERATIONS = {"/api/schema/", "/api/docs/", "/api/redoc/"}


def api_operations() -> set[str]:
    return {
        f"{method} {path}"
        for path, _regex, method, _view in EndpointEnumerator().get_api_endpoints()
        if path not in _NOT_OPERATIONS
    }


def test_the_table_lists_every_operation():
    assert api_operations() == set(OPERATIONS)


def test_every_viewset_action_has_a_permission_row():
    for path, _regex, method, view in EndpointEnumerator().get_api_endpoints():
        if path in _NOT_OPERATIONS:
            continue
        action = view.actions[method.lower()]
        assert action in view.cls.action_permissions, f"{method} {path} ({action})"


def _request(client: APIClient, operation: str):
    method, path = operation.split(" ", 1)
    # No such object: a refusal comes before the lookup, a pass reaches it (404).
    url = path.replace("{pk}", "999999").replace("{code}", "no-such-code")
    return getattr(client, method.lower())(url, {}, format="json")


@pytest.fixture
def client_as(make_user):
    def make(role: str) -> APIClient:
        client = APIClient()
        if role != ANONYMOUS:
            client.force_authenticate(make_user() if role == NO_GROUP else make_user(role))
        return client

    return make


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_role_is_let_through_or_refused_as_the_table_says(client_as, operation):
    answers = {role: _request(client_as(role), operation).status_code for role in EVERY_ROLE}

    refused = {role for role, status in answers.items() if status in (401, 403)}
    assert refused == set(EVERY_ROLE) - OPERATIONS[operation], answers
    assert answers[ANONYMOUS] == 401
