"""The funnel's endpoints: evaluation runs, sales plans, figures and alerts, per role."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portrait import roles
from qualification.choices import SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.evaluation.runs import evaluation_run_plan, evaluation_run_start
from qualification.models import Alert, AlertKind, EvaluationRunStatus, Lead, SalesPlan
from tests.qualification.funnel_factories import (
    SalesPlanFactory,
    fresh_permissions,
    make_lead,
    published_portrait,
    reason,
)

INTERESTING = SuggestedVerdict.INTERESTING
PLANS = reverse("v1:sales-plan-list")
FIGURES = reverse("v1:funnel-figures")
ALERTS = reverse("v1:alert-list")
RUNS = reverse("v1:evaluation-run-list")


# Evaluation runs ---------------------------------------------------------------------------


@pytest.fixture
def runs(db, settings, django_capture_on_commit_callbacks):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 2}
    for _ in range(5):
        make_lead(employees=10)
    made = []
    for _ in range(3):
        portrait = published_portrait()
        with django_capture_on_commit_callbacks(execute=True):
            made.append(evaluation_run_start(portrait=portrait))
    return made


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.ADMINS, 200),
        (roles.SALES_MANAGERS, 200),
        (roles.TECHNICAL, 200),
        (roles.SALES, 403),
        (roles.INTEGRATIONS, 403),
    ],
)
def test_evaluation_runs_are_visible_to_staff_who_watch_the_funnel(client_for, runs, role, status):
    response = client_for(role).get(RUNS)

    assert response.status_code == status


def test_evaluation_run_list_shows_progress_in_constant_queries(
    client_for, runs, django_assert_num_queries
):
    client = client_for(roles.ADMINS)
    fresh_permissions(client)

    # The user's permissions (2) and the page with its portraits (1).
    with django_assert_num_queries(3):
        response = client.get(RUNS)

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [run.id for run in reversed(runs)]
    assert [(row["status"], row["done_chunks"], row["total_chunks"]) for row in rows] == [
        ("done", 3, 3)
    ] * 3
    assert rows[0]["percent_done"] == 100
    assert rows[0]["lead_count"] == 5


def test_evaluation_run_detail(client_for, runs):
    run = runs[0]

    response = client_for(roles.TECHNICAL).get(reverse("v1:evaluation-run-detail", args=[run.pk]))

    assert response.json()["portrait"] == run.portrait_id
    assert response.json()["status"] == EvaluationRunStatus.DONE


def test_admins_resume_a_stopped_run(client_for, db, settings, django_capture_on_commit_callbacks):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 2}
    for _ in range(3):
        make_lead(employees=10)
    portrait = published_portrait()
    run = evaluation_run_plan(portrait=portrait)
    client = client_for(roles.ADMINS)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("v1:evaluation-run-resume", args=[run.pk]))

    assert response.status_code == 202
    assert response.json()["id"] == run.pk
    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE
    assert Lead.objects.filter(evaluated_portrait=portrait).count() == 3


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.SALES, roles.INTEGRATIONS])
def test_others_may_not_resume_a_run(client_for, db, role):
    make_lead()
    run = evaluation_run_plan(portrait=published_portrait())

    response = client_for(role).post(reverse("v1:evaluation-run-resume", args=[run.pk]))

    assert response.status_code == 403
    run.refresh_from_db()
    assert (run.status, run.done_chunks) == (EvaluationRunStatus.PENDING, 0)


# Sales plans ------------------------------------------------------------------------------


PLAN_BODY = {
    "name": "Q1",
    "period_start": "2026-01-01",
    "period_end": "2026-03-31",
    "target_contracts": 12,
    "target_revenue": "250000.00",
}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.ADMINS, 201),
        (roles.SALES_MANAGERS, 201),
        (roles.SALES, 403),
        (roles.TECHNICAL, 403),
        (roles.INTEGRATIONS, 403),
    ],
)
def test_managers_and_admins_create_plans(client_for, role, status):
    response = client_for(role).post(PLANS, PLAN_BODY, format="json")

    assert response.status_code == status
    assert SalesPlan.objects.count() == (1 if status == 201 else 0)


def test_a_plan_for_a_salesperson(client_for, make_user):
    seller = make_user(roles.SALES)

    response = client_for(roles.SALES_MANAGERS).post(
        PLANS, {**PLAN_BODY, "salesperson": seller.pk}, format="json"
    )

    assert response.status_code == 201
    assert SalesPlan.objects.get().salesperson == seller


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PLAN_BODY, "period_end": "2025-12-31"}, "period_end"),
        ({**PLAN_BODY, "target_contracts": -1}, "target_contracts"),
        ({**PLAN_BODY, "period_start": "soon"}, "period_start"),
        ({**PLAN_BODY, "salesperson": 999999}, "salesperson"),
    ],
)
def test_invalid_plans_are_400_naming_the_field(client_for, body, field):
    response = client_for(roles.SALES_MANAGERS).post(PLANS, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not SalesPlan.objects.exists()


@pytest.mark.parametrize("method", ["post", "patch"])
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"period_end": "2025-12-31"}, "period_end", "The period cannot end before it starts."),
        (
            {"team": "team", "salesperson": "seller"},
            "salesperson",
            "A plan is for a team or for a salesperson, not both.",
        ),
    ],
)
def test_a_plan_breaking_the_model_rules_is_400_with_the_models_message(
    client_for, make_user, method, change, field, message
):
    client = client_for(roles.SALES_MANAGERS)
    subjects = {"team": Group.objects.create(name="Team Lviv").pk, "seller": make_user().pk}
    change = {key: subjects.get(value, value) for key, value in change.items()}
    if method == "post":
        response = client.post(PLANS, {**PLAN_BODY, **change}, format="json")
    else:
        plan = SalesPlanFactory(period_start=datetime.date(2026, 1, 1))
        response = client.patch(
            reverse("v1:sales-plan-detail", args=[plan.pk]), change, format="json"
        )

    assert response.status_code == 400
    assert response.json()["errors"] == {field: [message]}
    if method == "post":
        assert not SalesPlan.objects.exists()
    else:
        plan_after = SalesPlan.objects.get(pk=plan.pk)
        assert (plan_after.period_end, plan_after.team, plan_after.salesperson) == (
            plan.period_end,
            None,
            None,
        )


def test_sales_read_only_their_own_plans_and_may_not_change_them(client_for, make_user):
    client = client_for(roles.SALES)
    own = SalesPlanFactory(salesperson=client.user)
    SalesPlanFactory(salesperson=make_user(roles.SALES))
    SalesPlanFactory()

    listed = client.get(PLANS)
    changed = client.patch(
        reverse("v1:sales-plan-detail", args=[own.pk]), {"target_contracts": 1}, format="json"
    )

    assert [row["id"] for row in listed.json()["results"]] == [own.pk]
    assert changed.status_code == 403
    own.refresh_from_db()
    assert own.target_contracts == 10


def test_managers_change_and_delete_plans(client_for):
    client = client_for(roles.SALES_MANAGERS)
    plan = SalesPlanFactory()
    url = reverse("v1:sales-plan-detail", args=[plan.pk])

    changed = client.patch(url, {"target_contracts": 30}, format="json")
    deleted = client.delete(url)

    assert changed.status_code == 200 and changed.json()["target_contracts"] == 30
    assert deleted.status_code == 204
    assert not SalesPlan.objects.exists()


def test_plan_list_queries_do_not_grow_with_plans(client_for, django_assert_num_queries):
    client = client_for(roles.SALES_MANAGERS)
    for _ in range(6):
        SalesPlanFactory()
    fresh_permissions(client)

    # The user's permissions (2) and the page (1).
    with django_assert_num_queries(3):
        response = client.get(PLANS)

    assert len(response.json()["results"]) == 6


def test_plan_coverage_endpoint(client_for, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.5}
    plan = SalesPlanFactory(target_contracts=4)
    for _ in range(4):
        make_lead(suggested_verdict=INTERESTING)

    response = client_for(roles.ADMINS).get(reverse("v1:sales-plan-coverage", args=[plan.pk]))

    body = response.json()
    assert body["figures"]["pool"] == 4
    assert body["figures"]["expected_contracts"] == "2.00"
    assert (body["is_covered"], body["contracts_coverage"]) == (False, "0.5000")


# Figures ----------------------------------------------------------------------------------


@pytest.fixture
def decided(db, make_user):
    """Two salespeople with decisions: one overrides often."""
    sellers = [make_user(roles.SALES), make_user(roles.SALES)]
    for seller, verdicts in zip(
        sellers,
        [["not_interesting", "not_interesting", "interesting"], ["interesting"]],
        strict=True,
    ):
        for verdict in verdicts:
            code = reason() if verdict == "not_interesting" else None
            lead_decide(
                lead=make_lead(suggested_verdict=INTERESTING),
                user=seller,
                verdict=verdict,
                reason_code=code,
            )
    return sellers


def test_managers_see_everyones_figures(client_for, decided, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "OVERRIDE_RATE_ALERT_THRESHOLD": 0.5}
    plan = SalesPlanFactory(target_contracts=3)

    response = client_for(roles.SALES_MANAGERS).get(FIGURES)

    assert response.status_code == 200
    body = response.json()
    assert body["pool"]["pool"] == 2
    assert body["override_rate_threshold"] == 0.5
    assert [row["plan"]["id"] for row in body["plans"]] == [plan.pk]
    rows = {row["username"]: row for row in body["salespeople"]}
    first, second = (rows[seller.username] for seller in decided)
    assert (first["decisions"], first["overrides"], first["override_rate"]) == (3, 2, "0.6667")
    assert first["over_threshold"] is True
    assert (second["decisions"], second["overrides"], second["over_threshold"]) == (1, 0, False)


def test_an_override_rate_exactly_at_the_threshold_is_not_over_it(client_for, make_user, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "OVERRIDE_RATE_ALERT_THRESHOLD": 0.3}
    seller = make_user(roles.SALES)
    for index in range(10):
        lead_decide(
            lead=make_lead(suggested_verdict=INTERESTING),
            user=seller,
            verdict="not_interesting" if index < 3 else "interesting",
            reason_code=reason() if index < 3 else None,
        )

    body = client_for(roles.SALES_MANAGERS).get(FIGURES).json()

    [row] = [row for row in body["salespeople"] if row["username"] == seller.username]
    assert (row["override_rate"], row["over_threshold"]) == ("0.3000", False)


def test_a_salesperson_sees_only_their_own_row(client_for, decided):
    client = client_for(roles.SALES)
    client.force_authenticate(decided[0])

    body = client.get(FIGURES).json()

    assert [row["username"] for row in body["salespeople"]] == [decided[0].username]
    assert body["pool"]["pool"] == 1


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.INTEGRATIONS])
def test_figures_are_not_for_technical_staff_or_integrations(client_for, role):
    assert client_for(role).get(FIGURES).status_code == 403


def test_figures_queries_do_not_grow_with_salespeople(
    client_for, decided, make_user, django_assert_num_queries
):
    client = client_for(roles.ADMINS)
    for _ in range(4):
        make_user(roles.SALES)
    fresh_permissions(client)

    # Permissions (2), conversion (2), plans in force (1), salespeople (1), pool (1),
    # funnel stages (1).
    with django_assert_num_queries(8):
        response = client.get(FIGURES)

    assert len(response.json()["salespeople"]) == 6


# Alerts -----------------------------------------------------------------------------------


@pytest.fixture
def alerts(db, make_user):
    seller = make_user(roles.SALES)
    plan = SalesPlanFactory()
    return {
        "seller": seller,
        "about_seller": Alert.objects.create(
            kind=AlertKind.OVERRIDE_RATE, salesperson=seller, message="Too many overrides"
        ),
        "about_plan": Alert.objects.create(
            kind=AlertKind.PLAN_NOT_COVERED, plan=plan, message="Short"
        ),
        "about_other": Alert.objects.create(
            kind=AlertKind.OVERRIDE_RATE, salesperson=make_user(roles.SALES), message="Other"
        ),
    }


@pytest.mark.parametrize(
    ("role", "status", "count"),
    [
        (roles.ADMINS, 200, 3),
        (roles.SALES_MANAGERS, 200, 3),
        (roles.SALES, 200, 0),
        (roles.TECHNICAL, 403, None),
        (roles.INTEGRATIONS, 403, None),
    ],
)
def test_alert_list_per_role(client_for, alerts, role, status, count):
    response = client_for(role).get(ALERTS)

    assert response.status_code == status
    if count is not None:
        assert len(response.json()["results"]) == count


def test_a_salesperson_sees_alerts_about_themselves(client_for, alerts):
    client = client_for(roles.SALES)
    client.force_authenticate(alerts["seller"])

    response = client.get(ALERTS)

    assert [row["id"] for row in response.json()["results"]] == [alerts["about_seller"].pk]


def test_alert_list_queries_do_not_grow(client_for, alerts, django_assert_num_queries):
    client = client_for(roles.SALES_MANAGERS)
    fresh_permissions(client)

    with django_assert_num_queries(3):
        response = client.get(ALERTS)

    assert len(response.json()["results"]) == 3


def test_managers_resolve_alerts_and_sales_may_not(client_for, alerts):
    alert = alerts["about_seller"]
    url = reverse("v1:alert-resolve", args=[alert.pk])
    seller = client_for(roles.SALES)
    seller.force_authenticate(alerts["seller"])

    denied = seller.post(url)
    alert.refresh_from_db()
    assert denied.status_code == 403
    assert alert.resolved_at is None

    resolved = client_for(roles.SALES_MANAGERS).post(url)
    assert resolved.status_code == 200
    assert resolved.json()["is_open"] is False


def test_plans_expire_by_period(client_for, settings):
    SalesPlanFactory(period_start=datetime.date(2020, 1, 1), period_end=datetime.date(2020, 2, 1))

    body = client_for(roles.ADMINS).get(FIGURES).json()

    assert body["plans"] == []
