"""Background work, sent after the transaction that asks for it commits.

Services name the task they need (a name the tasks module registers) rather than
import it: tasks are an interface over the services, so the services must not
depend on them. The name is the contract, as for the beat schedule.
"""

from collections.abc import Iterable

from celery import current_app, group
from django.db import transaction


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send ``task_name(*args)`` once the current transaction commits (at once outside one)."""
    signature = current_app.signature(task_name, args=args)
    transaction.on_commit(signature.apply_async)


def enqueue_each_on_commit(task_name: str, arguments: Iterable[tuple]) -> None:
    """Send ``task_name`` once per argument tuple, as one group, after commit."""
    signatures = group(current_app.signature(task_name, args=args) for args in arguments)
    transaction.on_commit(signatures.apply_async)
