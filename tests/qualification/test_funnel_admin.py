"""Admin pages of the funnel: progress of runs, figures of plans, alerts, decisions."""

import pytest
from django.urls import reverse

from portrait import roles
from qualification.choices import SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.evaluation.runs import evaluation_run_plan
from qualification.funnel import figures
from qualification.models import Alert, AlertKind, EvaluationRunStatus
from tests.qualification.funnel_factories import (
    SalesPlanFactory,
    make_lead,
    published_portrait,
    reason,
)


@pytest.mark.parametrize(
    "model", ["evaluationrun", "decision", "salesplan", "alert", "rejectionreason", "leadimport"]
)
def test_changelists_open(admin_client, model):
    response = admin_client.get(reverse(f"admin:qualification_{model}_changelist"))

    assert response.status_code == 200


def test_run_progress_and_resume_action(admin_client, django_capture_on_commit_callbacks):
    for _ in range(3):
        make_lead(employees=10)
    run = evaluation_run_plan(portrait=published_portrait())
    url = reverse("admin:qualification_evaluationrun_changelist")

    assert "0/1 (0%)" in admin_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "resume_runs", "_selected_action": [run.pk]})

    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE
    assert "1/1 (100%)" in admin_client.get(url).content.decode()
    detail = admin_client.get(reverse("admin:qualification_evaluationrun_change", args=[run.pk]))
    assert detail.status_code == 200


def test_plan_changelist_shows_figures(admin_client, make_user, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.5}
    SalesPlanFactory(target_contracts=4)
    seller = make_user(roles.SALES)
    for _ in range(4):
        make_lead(suggested_verdict=SuggestedVerdict.INTERESTING)
    lead_decide(
        lead=make_lead(suggested_verdict=SuggestedVerdict.INTERESTING),
        user=seller,
        verdict="not_interesting",
        reason_code=reason(),
    )

    page = admin_client.get(reverse("admin:qualification_salesplan_changelist")).content.decode()

    assert "Active pool: 4 leads" in page
    assert "50%" in page  # 2.00 expected of 4
    assert seller.username in page and "100%" in page


def test_plan_changelist_computes_the_conversion_rate_once(admin_client, monkeypatch):
    for target in (1, 2, 3):
        SalesPlanFactory(target_contracts=target)
    calls = []
    original = figures.conversion_rate

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(figures, "conversion_rate", counted)

    response = admin_client.get(reverse("admin:qualification_salesplan_changelist"))

    assert response.status_code == 200
    assert len(calls) == 1


def test_resolving_alerts_in_the_admin(admin_client):
    alert = Alert.objects.create(kind=AlertKind.PLAN_NOT_COVERED, message="Short")

    admin_client.post(
        reverse("admin:qualification_alert_changelist"),
        {"action": "resolve_alerts", "_selected_action": [alert.pk]},
    )

    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_technical_staff_may_view_runs_but_not_resume_them(client, make_user):
    user = make_user(roles.TECHNICAL, is_staff=True)
    client.force_login(user)
    make_lead()
    run = evaluation_run_plan(portrait=published_portrait())
    url = reverse("admin:qualification_evaluationrun_changelist")

    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "resume_runs", "_selected_action": [run.pk]})

    assert response.status_code == 200  # the action is not offered: nothing runs
    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.PENDING
