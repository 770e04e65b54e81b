"""Sending the outbox to the broker: after commit, and again by the sweeper.

A row is sent, then marked dispatched; a process that dies in between leaves it
unmarked and the sweeper sends it again. So a task may arrive twice, never zero
times: every task of the project is idempotent in effect.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from celery import current_app
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from config.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

# A broker that refuses connections fails a send in about 0.7 s with Celery's default
# policy (3 retries); 2 retries keep a request's wait short while still riding over a
# pooled connection that the broker's restart has closed (the first retry reconnects).
_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# Rows read and locked at a time by the sweeper.
_SWEEP_BATCH = 500


def outbox_add(*, task_name: str, arguments: Iterable[tuple]) -> list[int]:
    """Record ``task_name`` once per argument tuple in the current transaction; return the ids."""
    rows = [OutboxMessage(task_name=task_name, args=list(args)) for args in arguments]
    return [row.pk for row in OutboxMessage.objects.bulk_create(rows)]


def outbox_recently_added(*, task_name: str, args: tuple, since: datetime) -> bool:
    """Whether ``task_name(*args)`` was recorded at or after ``since``."""
    return OutboxMessage.objects.filter(
        task_name=task_name, created_at__gte=since, args=list(args)
    ).exists()


def _send(message: OutboxMessage) -> None:
    current_app.signature(message.task_name, args=message.args).apply_async(
        retry=True, retry_policy=_RETRY_POLICY
    )


def _run_eagerly(queryset: QuerySet) -> int:
    """No broker (the embedded default): mark each row, then run its task here, as before.

    Outside a transaction of ours: a task commits its own work, and its failure
    propagates to the caller as it always has.
    """
    messages = list(queryset.filter(dispatched_at__isnull=True).order_by("pk"))
    for message in messages:
        OutboxMessage.objects.filter(pk=message.pk).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1
        )
        _send(message)
    return len(messages)


def _dispatch(queryset: QuerySet) -> tuple[int, bool]:
    """Send the unsent rows of ``queryset``; return how many went and whether the broker failed.

    The rows are locked while they are sent, skipping those another process holds, so
    the after-commit send and a sweeper never send the same row at once. The first
    failure stops the batch: the broker is away, and the rest would wait as long.
    """
    if current_app.conf.task_always_eager:
        return _run_eagerly(queryset), False
    with transaction.atomic():
        messages = list(
            queryset.filter(dispatched_at__isnull=True)
            .select_for_update(skip_locked=True)
            .order_by("pk")
        )
        sent, failed = [], None
        for message in messages:
            try:
                _send(message)
            except Exception as error:
                # Whatever the broker's client raises (connection refused, timeout, a
                # lost route), the row stays for the sweeper and the caller succeeds.
                logger.warning(
                    "Broker unavailable, %s left for the sweeper: %r",
                    message,
                    error,
                )
                failed = message
                break
            sent.append(message.pk)
        OutboxMessage.objects.filter(pk__in=sent).update(
            dispatched_at=timezone.now(), attempts=F("attempts") + 1
        )
        if failed is not None:
            OutboxMessage.objects.filter(pk=failed.pk).update(attempts=F("attempts") + 1)
    return len(sent), failed is not None


def outbox_dispatch(*, ids: list[int]) -> int:
    """Send these rows now (called once their transaction commits); return how many went."""
    return _dispatch(OutboxMessage.objects.filter(pk__in=ids))[0]


def outbox_sweep(*, created_before: datetime) -> int:
    """Send every row recorded before ``created_before`` and never sent; return how many went."""
    total = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(dispatched_at__isnull=True, created_at__lt=created_before)
            .order_by("pk")
            .values_list("pk", flat=True)[:_SWEEP_BATCH]
        )
        if not ids:
            return total
        sent, failed = _dispatch(OutboxMessage.objects.filter(pk__in=ids))
        total += sent
        # Stop when the broker fails, or when other processes hold every row left.
        if failed or not sent:
            return total


def outbox_purge(*, dispatched_before: datetime) -> int:
    """Delete the rows sent before ``dispatched_before``; return how many."""
    deleted, _by_model = OutboxMessage.objects.filter(dispatched_at__lt=dispatched_before).delete()
    return deleted
