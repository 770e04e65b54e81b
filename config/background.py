"""Background work, recorded in the transaction that asks for it and sent after commit.

Services name the task they need (a name the tasks module registers) rather than
import it: tasks are an interface over the services, so the services must not
depend on them. The name is the contract, as for the beat schedule.

Each call is an outbox row (``config.outbox``) written in the caller's transaction:
it commits with the work, so a broker away at commit loses nothing, and it is sent
once the transaction commits. ``background_sweep`` (a beat task and the
``background_sweep`` command) sends the rows left unsent and runs the sweepers the
apps register with ``on_sweep``, which ask again for work that made no progress
(a message the broker lost, a worker killed mid-task). A task may therefore run
twice: every task is idempotent in effect.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.outbox.dispatch import (
    outbox_add,
    outbox_dispatch,
    outbox_purge,
    outbox_recently_added,
    outbox_sweep,
)

#: ``sweeper(stalled_before=...)`` asks again for the work of its app that made no
#: progress since then; it returns how many tasks it asked for.
Sweeper = Callable[..., int]

_sweepers: list[Sweeper] = []


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send ``task_name(*args)`` once the current transaction commits (at once outside one)."""
    enqueue_each_on_commit(task_name, [args])


def enqueue_each_on_commit(task_name: str, arguments: Iterable[tuple]) -> None:
    """Send ``task_name`` once per argument tuple after commit."""
    ids = outbox_add(task_name=task_name, arguments=arguments)
    if ids:
        transaction.on_commit(partial(outbox_dispatch, ids=ids))


def enqueue_again_on_commit(task_name: str, *args, unless_since: datetime) -> bool:
    """Send ``task_name(*args)`` after commit unless it was asked for at or after ``unless_since``.

    For sweepers: a stalled piece of work is asked for again once per stall period,
    not on every sweep while the workers are away. Returns whether it was asked for.
    """
    if outbox_recently_added(task_name=task_name, args=args, since=unless_since):
        return False
    enqueue_on_commit(task_name, *args)
    return True


def on_sweep(sweeper: Sweeper) -> None:
    """Run ``sweeper`` on every background sweep; registering it again changes nothing."""
    if sweeper not in _sweepers:
        _sweepers.append(sweeper)


def background_sweep(
    *, grace_seconds: float | None = None, stall_seconds: float | None = None
) -> dict[str, int]:
    """Send the outbox rows left unsent and ask again for the work that made no progress.

    Rows older than ``grace_seconds`` (``OUTBOX_GRACE_SECONDS``) are sent; every
    registered sweeper asks again for what made no progress for ``stall_seconds``
    (``BACKGROUND_STALL_SECONDS``); rows sent more than ``OUTBOX_KEEP_DAYS`` ago are
    deleted. Returns the count of each step, by name.
    """
    grace = settings.OUTBOX_GRACE_SECONDS if grace_seconds is None else grace_seconds
    stall = settings.BACKGROUND_STALL_SECONDS if stall_seconds is None else stall_seconds
    now = timezone.now()
    counts = {"outbox": outbox_sweep(created_before=now - timedelta(seconds=grace))}
    for sweeper in _sweepers:
        counts[sweeper.__name__] = sweeper(stalled_before=now - timedelta(seconds=stall))
    counts["purged"] = outbox_purge(
        dispatched_before=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    )
    return counts
