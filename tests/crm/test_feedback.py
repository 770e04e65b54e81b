"""Feedback: deadlines in service hours from the rules in force, answers timed, bad news flies."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from crm.choices import EscalationReason, FeedbackStatus
from crm.feedback.delays import delay_record
from crm.feedback.services import (
    feedback_acknowledge,
    feedback_overdue_escalate,
    feedback_record,
    feedback_resolve,
)
from crm.models import Delay, Escalation, Feedback
from crm.rules.services import service_rules_create, service_rules_publish
from crm.tasks import feedback_overdue_check_task
from portrait import roles
from tests.crm.factories import ClientFactory, DepartmentFactory

pytestmark = pytest.mark.usefixtures("after_the_fixed_moments")
UTC = datetime.UTC
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def publish_rules(admin, **overrides):
    rules = service_rules_create(
        user=admin,
        data={
            "name": "Service code",
            "standards": "Be liked, listen, negotiate.",
            "time_zone": "Europe/Warsaw",
            "holiday_country": "PL",
            "hours": WEEKDAYS,
            "targets": [
                {
                    "channel": "email",
                    "severity": "normal",
                    "client_kind": None,
                    "first_response_minutes": 240,
                    "resolution_minutes": 960,
                },
                {
                    "channel": "email",
                    "severity": "normal",
                    "client_kind": "internal",
                    "first_response_minutes": 60,
                    "resolution_minutes": 480,
                },
            ],
            **overrides,
        },
    )
    return service_rules_publish(rules=rules, user=admin)


@pytest.fixture
def admin(make_user):
    return make_user(roles.ADMINS)


@pytest.fixture
def owner(make_user):
    return make_user(roles.SALES, email="owner@example.com")


def received(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def test_deadlines_count_service_hours_from_the_rules_in_force(admin, owner):
    rules = publish_rules(admin)
    client = ClientFactory(owner=owner, kind="partner")

    # Friday 2027-03-05 16:00 local (15:00 UTC): 2 open hours that day, 2 on Monday.
    feedback, created = feedback_record(
        user=owner,
        data={
            "client": client,
            "channel": "email",
            "kind": "question",
            "text": "When?",
            "received_at": received(2027, 3, 5, 15),
        },
    )

    assert created
    assert feedback.rules == rules
    assert feedback.response_due == received(2027, 3, 8, 10)
    # 960 minutes = 16 open hours: 2 on Friday, 9 on Monday, 5 on Tuesday.
    assert feedback.resolution_due == received(2027, 3, 9, 13)


def test_an_internal_client_gets_its_own_target_and_others_the_general_one(admin, owner):
    publish_rules(admin)
    department = DepartmentFactory()
    internal = ClientFactory(kind="internal", department=department, owner=owner)

    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": internal,
            "channel": "email",
            "kind": "question",
            "text": "?",
            "received_at": received(2027, 3, 8, 8),
        },
    )

    assert feedback.response_due == received(2027, 3, 8, 9)


def test_a_new_version_never_moves_existing_deadlines(admin, owner):
    from crm.rules.services import service_rules_copy_as_draft, service_rules_update_draft

    first = publish_rules(admin)
    client = ClientFactory(owner=owner)
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": client,
            "channel": "email",
            "kind": "question",
            "text": "?",
            "received_at": received(2027, 3, 8, 8),
        },
    )
    due = feedback.response_due
    draft = service_rules_copy_as_draft(rules=first, user=admin)
    draft = service_rules_update_draft(
        rules=draft, user=admin, data={"hours": {"mon": [["00:00", "24:00"]]}}
    )
    service_rules_publish(rules=draft, user=admin)

    feedback.refresh_from_db()
    assert (feedback.response_due, feedback.rules) == (due, first)


def test_a_resent_message_is_the_same_item_and_escalates_once(admin, owner):
    publish_rules(admin)
    client = ClientFactory(owner=owner)
    data = {
        "client": client,
        "channel": "email",
        "kind": "complaint",
        "text": "Broken",
        "received_at": received(2027, 3, 8, 8),
        "source": "helpdesk",
        "external_id": "T-1",
    }

    first, created = feedback_record(user=owner, data=data)
    again, created_again = feedback_record(user=owner, data=data)

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert list(Escalation.objects.values_list("reason", flat=True)) == ["complaint"]


@pytest.mark.parametrize(
    ("kind", "rating", "reasons"),
    [
        ("complaint", None, ["complaint"]),
        ("praise", 2, ["low_rating"]),
        ("question", 3, []),
        ("delay_notice", None, ["delay"]),
        ("complaint", 1, ["complaint", "low_rating"]),
    ],
)
def test_bad_news_flies_at_once(
    owner, make_user, django_capture_on_commit_callbacks, kind, rating, reasons
):
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    client = ClientFactory(owner=owner)

    with django_capture_on_commit_callbacks(execute=True):
        feedback_record(
            user=owner,
            data={
                "client": client,
                "channel": "phone",
                "kind": kind,
                "rating": rating,
                "text": "!",
            },
        )

    assert sorted(Escalation.objects.values_list("reason", flat=True)) == sorted(reasons)
    # One message per reason and recipient, each in the recipient's language.
    assert sorted(message.to for message in mail.outbox) == sorted(
        [["boss@example.com"], ["owner@example.com"]] * len(reasons)
    )


def test_answers_are_measured_in_service_minutes(admin, owner, monkeypatch):
    from django.utils import timezone

    publish_rules(admin)
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner),
            "channel": "email",
            "kind": "question",
            "text": "?",
            "received_at": received(2027, 3, 5, 15),
        },
    )
    # Monday 09:30 local: 2 open hours on Friday and 30 minutes on Monday.
    monkeypatch.setattr(timezone, "now", lambda: received(2027, 3, 8, 8, 30))
    acknowledged = feedback_acknowledge(feedback=feedback, user=owner)
    monkeypatch.setattr(timezone, "now", lambda: received(2027, 3, 8, 10))
    resolved = feedback_resolve(feedback=feedback, user=owner)

    assert (acknowledged.status, acknowledged.response_minutes) == ("acknowledged", 150)
    assert (resolved.status, resolved.resolution_minutes, resolved.response_minutes) == (
        FeedbackStatus.RESOLVED,
        240,
        150,
    )


def test_an_item_past_its_deadline_is_escalated_once(
    admin, owner, django_capture_on_commit_callbacks
):
    publish_rules(admin)
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner),
            "channel": "email",
            "kind": "question",
            "text": "?",
            "received_at": received(2027, 3, 5, 15),
        },
    )
    late = received(2027, 3, 20)

    first = feedback_overdue_escalate(now=late)
    second = feedback_overdue_escalate(now=late)

    assert (first, second) == (2, 0)
    assert sorted(feedback.escalations.values_list("reason", flat=True)) == [
        EscalationReason.RESOLUTION_OVERDUE,
        EscalationReason.RESPONSE_OVERDUE,
    ]


def test_the_overdue_check_runs_periodically(db, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["feedback-overdue-check"]

    assert schedule["task"] == "crm.tasks.feedback_overdue_check_task"
    assert feedback_overdue_check_task() == 0


def test_integrations_record_but_nobody_else_without_the_permission(make_user):
    with pytest.raises(PermissionDenied):
        feedback_record(
            user=make_user(),
            data={"client": ClientFactory(), "channel": "email", "kind": "question", "text": "?"},
        )
    assert not Feedback.objects.exists()


def test_a_delay_is_told_to_the_client_in_their_language_and_postponements_counted(
    owner, django_capture_on_commit_callbacks
):
    client = ClientFactory(owner=owner)
    client.contacts.create(name="Olena", email="olena@client.example", language="uk")
    logistics = DepartmentFactory(name="Logistics")
    data = {
        "client": client,
        "department": logistics,
        "reference": "ORDER-7",
        "what": "Servers",
        "new_date": datetime.date(2027, 4, 1),
    }

    with django_capture_on_commit_callbacks(execute=True):
        first = delay_record(user=owner, data=data)
    with django_capture_on_commit_callbacks(execute=True):
        second = delay_record(user=owner, data={**data, "new_date": datetime.date(2027, 4, 9)})

    assert (first.postponement, second.postponement) == (1, 2)
    told = [message for message in mail.outbox if message.to == ["olena@client.example"]]
    assert len(told) == 2
    assert Escalation.objects.filter(reason="delay").count() == 2
    assert list(Delay.objects.values_list("contacts_told", flat=True)) == [1, 1]


def test_a_delay_for_a_client_without_an_e_mail_is_told_to_nobody_and_says_so(
    owner, django_capture_on_commit_callbacks
):
    client = ClientFactory(owner=owner)
    client.contacts.create(name="Olena", phone="+380 44 000 00 00")
    data = {
        "client": client,
        "department": DepartmentFactory(name="Logistics"),
        "reference": "ORDER-8",
        "what": "Servers",
        "new_date": datetime.date(2027, 4, 1),
    }

    with django_capture_on_commit_callbacks(execute=True):
        delay_record(user=owner, data=data)

    delay = Delay.objects.get()
    assert delay.client_told_at is not None  # done: the sweep asks no more
    assert delay.contacts_told == 0
    assert not [message for message in mail.outbox if "ORDER-8" in message.subject]


def test_the_sweep_asks_again_for_bad_news_whose_message_was_lost(
    owner, make_user, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from config.background import background_sweep
    from config.outbox.models import OutboxMessage

    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    client = ClientFactory(owner=owner)
    client.contacts.create(name="Olena", email="olena@client.example", language="uk")
    # Recorded, but their messages never reach a worker (nothing runs the callbacks).
    feedback_record(
        user=owner, data={"client": client, "channel": "phone", "kind": "complaint", "text": "!"}
    )
    delay_record(
        user=owner,
        data={
            "client": client,
            "department": DepartmentFactory(),
            "reference": "ORDER-1",
            "what": "Racks",
            "new_date": datetime.date(2027, 5, 1),
        },
    )
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Escalation.objects.update(created_at=an_hour_ago)
    Delay.objects.update(recorded_at=an_hour_ago)
    # Their outbox rows were sent an hour ago, and the broker lost the messages.
    OutboxMessage.objects.update(created_at=an_hour_ago, dispatched_at=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True):
        counts = background_sweep(grace_seconds=3600 * 24, stall_seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        again = background_sweep(grace_seconds=3600 * 24, stall_seconds=60)

    assert (counts["escalations_unmailed_sweep"], counts["delays_untold_sweep"]) == (2, 1)
    assert (again["escalations_unmailed_sweep"], again["delays_untold_sweep"]) == (0, 0)
    assert Escalation.objects.filter(mailed_at__isnull=True).count() == 0
    assert Delay.objects.get().client_told_at is not None
