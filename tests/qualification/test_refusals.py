"""Endpoints and pages refuse the roles that lack their permission (API answers in JSON)."""

import pytest
from django.urls import reverse

from portrait import roles
from qualification.evaluation import runs
from qualification.models import Alert, AlertKind, SalesPlan
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import SalesPlanFactory, published_portrait, reason


@pytest.fixture
def objects(db):
    """One of everything the endpoints below address."""
    portrait = published_portrait()
    return {
        "lead": LeadFactory(),
        "alert": Alert.objects.create(kind=AlertKind.PLAN_NOT_COVERED, message="Short"),
        "reason": reason(),
        "plan": SalesPlanFactory(),
        "run": runs.evaluation_run_plan(portrait=portrait),
    }


# (method, url from the objects, roles refused)
API_REFUSALS = {
    "alert detail": (
        "get",
        lambda o: reverse("v1:alert-detail", args=[o["alert"].pk]),
        [roles.TECHNICAL, roles.INTEGRATIONS],
    ),
    "rejection reason detail": (
        "get",
        lambda o: reverse("v1:rejection-reason-detail", args=[o["reason"].code]),
        [roles.INTEGRATIONS],
    ),
    "sales plan list": ("get", lambda o: reverse("v1:sales-plan-list"), [roles.TECHNICAL]),
    "sales plan coverage": (
        "get",
        lambda o: reverse("v1:sales-plan-coverage", args=[o["plan"].pk]),
        [roles.TECHNICAL, roles.INTEGRATIONS],
    ),
    "sales plan delete": (
        "delete",
        lambda o: reverse("v1:sales-plan-detail", args=[o["plan"].pk]),
        [roles.SALES, roles.TECHNICAL],
    ),
    "lead duplicates": (
        "get",
        lambda o: reverse("v1:lead-duplicates", args=[o["lead"].pk]),
        [],
    ),
    "lead decisions": (
        "get",
        lambda o: reverse("v1:lead-decisions", args=[o["lead"].pk]),
        [],  # every role may read decisions
    ),
    "evaluation run detail": (
        "get",
        lambda o: reverse("v1:evaluation-run-detail", args=[o["run"].pk]),
        [roles.SALES, roles.INTEGRATIONS],
    ),
    "lead detail": ("get", lambda o: reverse("v1:lead-detail", args=[o["lead"].pk]), []),
}
CASES = [
    (name, role)
    for name, (_method, _url, refused) in API_REFUSALS.items()
    for role in [*refused, None]  # None: a signed-in user with no role at all
]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_the_api_refuses_roles_without_the_permission(objects, client_for, name, role):
    method, url, _refused = API_REFUSALS[name]
    client = client_for(*([role] if role else []))

    response = getattr(client, method)(url(objects))

    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) >= {"detail", "code"}
    assert SalesPlan.objects.filter(pk=objects["plan"].pk).exists()


@pytest.mark.parametrize("page", ["lead", "portrait"])
def test_pages_refuse_a_signed_in_user_without_the_permission(objects, make_user, client, page):
    client.force_login(make_user())
    url = (
        reverse("qualification:lead", args=[objects["lead"].pk])
        if page == "lead"
        else reverse("portrait:page")
    )

    assert client.get(url).status_code == 403
