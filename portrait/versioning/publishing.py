"""What runs when a version of a document model is published, registered by the apps.

Publishing is a domain step, and other apps depend on it: the funnel re-evaluates
its leads against a new portrait, and stage 2 will date its deadlines by the
service rules in force. They depend on ``portrait``, never the other way round,
so each registers its handler in its ``AppConfig.ready()``:

    on_publish(Portrait, _reevaluate_on_publish)

and ``document_publish`` runs every handler of the document's model once the
publishing transaction has committed: a handler sees the new version as every
other connection does, and a publish that rolls back runs nothing. A handler
registered ``in_transaction=True`` runs inside the publishing transaction instead,
right after the new version is put in force: what it writes commits or rolls back
with the publish (the funnel plans its re-evaluation run there, so no publish
stands without its run). Unlike a signal, the registry is keyed by the model,
explicit and listed in one place.
"""

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from django.db import transaction

PublishHandler = Callable[..., None]


class _Registered(NamedTuple):
    handler: PublishHandler
    in_transaction: bool


#: Handlers per document model, in the order they were registered.
_handlers: dict[type, list[_Registered]] = {}


def on_publish(
    document_model: type, handler: PublishHandler, *, in_transaction: bool = False
) -> None:
    """Run ``handler(document)`` after each publish of a version of ``document_model``.

    After the publishing transaction commits, or inside it with ``in_transaction``.
    Registering the same handler again changes nothing, so a ``ready()`` that runs
    twice does not run it twice.
    """
    handlers = _handlers.setdefault(document_model, [])
    registered = _Registered(handler, in_transaction)
    if registered not in handlers:
        handlers.append(registered)


def publish_handlers_run_in_transaction(*, document) -> None:
    """Run the in-transaction handlers of ``document``'s model, in the publishing transaction."""
    for registered in _handlers.get(type(document), ()):
        if registered.in_transaction:
            registered.handler(document)


def publish_handlers_schedule(*, document) -> None:
    """Schedule the other handlers of ``document``'s model to run once the transaction commits."""
    for registered in _handlers.get(type(document), ()):
        if not registered.in_transaction:
            transaction.on_commit(partial(registered.handler, document))
