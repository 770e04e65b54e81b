"""Alerts checked when the funnel's figures change, where no beat runs the periodic check."""

import pytest
from django.core import mail
from django.db import transaction

from portrait import roles
from qualification.choices import DecisionVerdict
from qualification.decisions.services import lead_decide
from qualification.evaluation.writes import leads_evaluate
from qualification.funnel.alerts import alerts_check_on_change
from qualification.funnel.plans import sales_plan_create
from qualification.models import Alert, AlertKind, Lead
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait, reason

BIG = {"all": [{"field": "employees", "op": "gte", "value": 50}]}


@pytest.fixture
def on_change(settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "ALERTS_CHECK_ON_CHANGE": True}


def _interesting_lead() -> Lead:
    lead = LeadFactory(employees=80)
    leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    lead.refresh_from_db()
    return lead


@pytest.mark.django_db(transaction=True)
def test_an_override_raises_its_alert_at_once_without_the_beat(on_change, make_user):
    published_portrait(segments=[("Big", BIG, 1)])
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    anna = make_user(roles.SALES, username="anna")

    lead_decide(
        lead=_interesting_lead(),
        user=anna,
        verdict=DecisionVerdict.NOT_INTERESTING,
        reason_code=reason(),
    )

    alert = Alert.objects.get(kind=AlertKind.OVERRIDE_RATE, resolved_at__isnull=True)
    assert alert.salesperson == anna
    assert len(mail.outbox) == 1
    # Deciding the same lead again the other way clears the condition at once too.
    lead_decide(lead=Lead.objects.get(), user=anna, verdict=DecisionVerdict.INTERESTING)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_plan_saved_is_checked_at_once(on_change):
    import datetime

    today = datetime.date.today()
    plan = sales_plan_create(
        data={
            "name": "Q",
            "period_start": today,
            "period_end": today + datetime.timedelta(days=30),
            "target_contracts": 5,
        }
    )
    assert Alert.objects.get(kind=AlertKind.PLAN_NOT_COVERED).plan == plan


@pytest.mark.django_db(transaction=True)
def test_the_check_runs_once_per_transaction_and_not_after_a_rollback(on_change, monkeypatch):
    from qualification.funnel import alerts

    calls = []
    monkeypatch.setattr(alerts, "alerts_check", lambda: calls.append(1))
    with transaction.atomic():
        alerts_check_on_change()
        alerts_check_on_change()
    assert calls == [1]
    with pytest.raises(RuntimeError), transaction.atomic():
        alerts_check_on_change()
        raise RuntimeError
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_where_the_check_on_change_is_off_a_change_checks_nothing(settings, make_user):
    assert settings.PORTRAIT_CRM["ALERTS_CHECK_ON_CHANGE"] is False
    published_portrait(segments=[("Big", BIG, 1)])
    lead_decide(
        lead=_interesting_lead(),
        user=make_user(roles.SALES),
        verdict=DecisionVerdict.NOT_INTERESTING,
        reason_code=reason(),
    )
    assert not Alert.objects.exists()
