"""Work in a thread of its own, on its own database connection."""

import threading
from collections.abc import Callable

from django.db import connections


def in_own_connection(work: Callable, *args) -> tuple[threading.Thread, list[BaseException]]:
    """Start ``work(*args)`` in a thread; return it and the list its failure will land in.

    The thread opens its own connection, so it commits outside the test's transaction,
    and closes it when done.
    """
    failures: list[BaseException] = []

    def run():
        try:
            work(*args)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures
