"""The periodic tasks run in-process where no beat runs (the embedded default)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from crm.models import Negotiation
from crm.negotiations.services import negotiation_open
from portrait import roles
from tests.crm.factories import ClientFactory


@pytest.fixture
def overdue_negotiation(db, make_user):
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    seller = make_user(roles.SALES)
    negotiation = negotiation_open(
        user=seller,
        client=ClientFactory(owner=seller),
        question="Price",
        deadline=timezone.now() + timedelta(days=1),
    )
    Negotiation.objects.filter(pk=negotiation.pk).update(
        deadline=timezone.now() - timedelta(days=1)
    )
    return negotiation


def test_once_runs_every_periodic_task_so_a_passed_deadline_is_told(
    overdue_negotiation, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", "--once", stdout=StringIO(), stderr=StringIO())

    overdue_negotiation.refresh_from_db()
    assert overdue_negotiation.overdue_alerted_at is not None
    assert [message.to for message in mail.outbox if "Negotiation" in message.subject] == [
        ["boss@example.com"]
    ]


def test_with_a_broker_it_leaves_the_schedule_to_beat(overdue_negotiation, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    out = StringIO()

    call_command("run_schedule", stdout=out)

    assert "celery beat" in out.getvalue()
    overdue_negotiation.refresh_from_db()
    assert overdue_negotiation.overdue_alerted_at is None
