"""The outbox of background work: tasks recorded in the transaction that needs them.

``config.background`` is the seam the services call; this app stores what they ask for
(``models``), sends it to the broker after commit and sweeps up what was not sent or
made no progress (``dispatch``, ``sweep``). Nothing here knows a domain: the apps name
their tasks and register their own sweepers.
"""
