"""Background work is recorded with the transaction that needs it, sent after commit, swept."""

from datetime import timedelta
from io import StringIO

import pytest
from celery import shared_task
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from config import background
from config.background import (
    background_sweep,
    enqueue_again_on_commit,
    enqueue_each_on_commit,
    enqueue_on_commit,
)
from config.outbox.models import OutboxMessage

RECORD = "tests.config.test_outbox.record_task"
received: list[tuple] = []


@shared_task(name=RECORD)
def record_task(*args) -> None:
    received.append(args)


@pytest.fixture(autouse=True)
def _nothing_received():
    received.clear()


@pytest.fixture
def no_sweepers(monkeypatch):
    """The outbox alone: the apps' sweepers do not run."""
    monkeypatch.setattr(background, "_sweepers", [])


def age(seconds: float) -> None:
    """Make every outbox row ``seconds`` older."""
    for message in OutboxMessage.objects.all():
        message.created_at -= timedelta(seconds=seconds)
        message.save(update_fields=["created_at"])


pytestmark = pytest.mark.django_db


def test_a_task_is_recorded_in_the_transaction_and_run_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            enqueue_on_commit(RECORD, 7, "x")
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.args, message.dispatched_at, received) == (
            RECORD,
            [7, "x"],
            None,
            [],
        )
    for callback in callbacks:
        callback()

    message.refresh_from_db()
    assert received == [(7, "x")]
    assert (message.is_dispatched, message.attempts) == (True, 1)


def test_a_transaction_that_rolls_back_records_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_each_on_commit(RECORD, [(1,), (2,)])
        raise RuntimeError("the work failed")

    assert (OutboxMessage.objects.count(), callbacks, received) == (0, [], [])


def test_each_call_of_a_group_is_a_row_sent_in_order(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_each_on_commit(RECORD, [(1,), (2,), (3,)])

    assert broker.sent == [(RECORD, (1,)), (RECORD, (2,)), (RECORD, (3,))]
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 1, 1]
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()


def test_a_broker_that_is_down_fails_no_caller_and_leaves_the_rows_unsent(
    broker, django_capture_on_commit_callbacks
):
    broker.down = True

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_each_on_commit(RECORD, [(1,), (2,)])

    # The first refusal stops the batch: the second row is not even tried.
    rows = OutboxMessage.objects.order_by("id").values_list("args", "dispatched_at", "attempts")
    assert list(rows) == [([1], None, 1), ([2], None, 0)]
    assert broker.sent == []


def test_the_sweep_sends_the_rows_older_than_the_grace_period_only(broker, no_sweepers):
    broker.down = True
    enqueue_on_commit(RECORD, "old")
    age(61)
    enqueue_on_commit(RECORD, "recent")
    broker.down = False

    counts = background_sweep(grace_seconds=60)

    assert counts == {"outbox": 1, "purged": 0}
    assert broker.sent == [(RECORD, ("old",))]
    assert list(
        OutboxMessage.objects.filter(dispatched_at__isnull=True).values_list("args", flat=True)
    ) == [["recent"]]


def test_a_sweep_while_the_broker_is_down_counts_the_attempt_and_sends_later(broker, no_sweepers):
    broker.down = True
    enqueue_on_commit(RECORD, 1)

    assert background_sweep(grace_seconds=0)["outbox"] == 0
    assert OutboxMessage.objects.get().attempts == 1

    broker.down = False
    assert background_sweep(grace_seconds=0)["outbox"] == 1
    assert background_sweep(grace_seconds=0)["outbox"] == 0
    assert broker.sent == [(RECORD, (1,))]
    assert OutboxMessage.objects.get().attempts == 2


def test_rows_sent_before_the_keeping_period_are_purged(broker, no_sweepers, settings):
    settings.OUTBOX_KEEP_DAYS = 7
    enqueue_each_on_commit(RECORD, [(1,), (2,)])
    OutboxMessage.objects.filter(args=[1]).update(
        dispatched_at=timezone.now() - timedelta(days=7, seconds=1)
    )
    broker.down = True
    enqueue_on_commit(RECORD, 3)
    OutboxMessage.objects.filter(args=[3]).update(created_at=timezone.now() - timedelta(days=30))

    assert background_sweep(grace_seconds=3600)["purged"] == 1
    # A row never sent is kept however old it is.
    assert sorted(OutboxMessage.objects.values_list("args", flat=True)) == [[2], [3]]


def test_asking_again_is_refused_while_the_last_ask_is_recent(
    broker, django_capture_on_commit_callbacks
):
    stalled_before = timezone.now() - timedelta(seconds=300)

    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue_again_on_commit(RECORD, 5, unless_since=stalled_before)
        second = enqueue_again_on_commit(RECORD, 5, unless_since=stalled_before)
        other_arguments = enqueue_again_on_commit(RECORD, 6, unless_since=stalled_before)
        age(301)
        after_the_stall = enqueue_again_on_commit(RECORD, 5, unless_since=stalled_before)

    assert (first, second, other_arguments, after_the_stall) == (True, False, True, True)
    assert broker.sent == [(RECORD, (5,)), (RECORD, (6,)), (RECORD, (5,))]


def test_the_sweep_runs_every_registered_sweeper_with_the_stall_threshold(
    broker, monkeypatch, settings
):
    settings.BACKGROUND_STALL_SECONDS = 300
    asked = []

    def things_sweep(*, stalled_before):
        asked.append(stalled_before)
        return 4

    monkeypatch.setattr(background, "_sweepers", [])
    background.on_sweep(things_sweep)
    background.on_sweep(things_sweep)
    before = timezone.now()

    counts = background_sweep()

    assert counts == {"outbox": 0, "things_sweep": 4, "purged": 0}
    assert len(asked) == 1
    assert before - timedelta(seconds=301) < asked[0] <= timezone.now() - timedelta(seconds=300)


def test_the_operators_command_sweeps_and_reports_each_step(broker, no_sweepers):
    broker.down = True
    enqueue_on_commit(RECORD, 1)
    broker.down = False
    output = StringIO()

    call_command("background_sweep", "--grace", "0", stdout=output)

    assert output.getvalue().splitlines() == ["outbox: 1", "purged: 0"]
    assert broker.sent == [(RECORD, (1,))]


def test_the_sweep_runs_periodically_and_redis_redelivers_after_the_stall_period(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["background-sweep"]

    assert schedule == {
        "task": "config.outbox.tasks.background_sweep_task",
        "schedule": settings.BACKGROUND_SWEEP_SECONDS,
    }
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {
        "visibility_timeout": settings.BACKGROUND_STALL_SECONDS
    }
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True


def test_the_outbox_is_readable_in_the_admin_and_never_editable(admin_client):
    enqueue_on_commit(RECORD, 1)

    listing = admin_client.get("/admin/outbox/outboxmessage/?dispatched=no")
    adding = admin_client.get("/admin/outbox/outboxmessage/add/")

    assert listing.status_code == 200
    assert RECORD in listing.content.decode()
    assert adding.status_code == 403
