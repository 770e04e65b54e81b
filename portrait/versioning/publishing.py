"""What runs when a version of a document model is published, registered by the apps.

Publishing is a domain step, and other apps depend on it: the funnel re-evaluates
its leads against a new portrait, and stage 2 will date its deadlines by the
service rules in force. They depend on ``portrait``, never the other way round,
so each registers its handler in its ``AppConfig.ready()``:

    on_publish(Portrait, _reevaluate_on_publish)

and ``document_publish`` runs every handler of the document's model once the
publishing transaction has committed: a handler sees the new version as every
other connection does, and a publish that rolls back runs nothing. Unlike a
signal, the registry is keyed by the model, explicit and listed in one place.
"""

from collections.abc import Callable
from functools import partial

from django.db import transaction

PublishHandler = Callable[..., None]

#: Handlers per document model, in the order they were registered.
_handlers: dict[type, list[PublishHandler]] = {}


def on_publish(document_model: type, handler: PublishHandler) -> None:
    """Run ``handler(document)`` after each publish of a version of ``document_model``.

    Registering the same handler again changes nothing, so a ``ready()`` that runs
    twice does not run it twice.
    """
    handlers = _handlers.setdefault(document_model, [])
    if handler not in handlers:
        handlers.append(handler)


def publish_handlers_schedule(*, document) -> None:
    """Schedule the handlers of ``document``'s model to run once the transaction commits."""
    for handler in _handlers.get(type(document), ()):
        transaction.on_commit(partial(handler, document))
