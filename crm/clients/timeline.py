"""A client's story on its page: feedback, delays and negotiations, newest first.

Pure assembly of rows already read (no ORM): the page reads each kind in a constant
number of queries and this module interleaves them.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

FEEDBACK, DELAY, NEGOTIATION = "feedback", "delay", "negotiation"


@dataclass(frozen=True)
class TimelineEvent:
    kind: str
    at: datetime.datetime
    item: object


def client_timeline(*, feedback, delays, negotiations) -> list[TimelineEvent]:
    """Every item as an event at the moment it began: received, recorded, opened."""
    events = [
        *(TimelineEvent(FEEDBACK, item.received_at, item) for item in feedback),
        *(TimelineEvent(DELAY, delay.recorded_at, delay) for delay in delays),
        *(TimelineEvent(NEGOTIATION, item.opened_at, item) for item in negotiations),
    ]
    return sorted(events, key=lambda event: (event.at, event.kind, event.item.pk), reverse=True)


def delays_with_history(delays) -> list:
    """``delays`` with ``previous_date`` (the date the postponement moved, None for the first)
    and ``postponements`` (how many times its reference has been put off in all)."""
    delays = list(delays)
    by_reference = defaultdict(list)
    for delay in delays:
        by_reference[delay.reference].append(delay)
    for same in by_reference.values():
        same.sort(key=lambda delay: delay.postponement)
        previous = None
        for delay in same:
            delay.previous_date = previous.new_date if previous else None
            delay.postponements = same[-1].postponement
            previous = delay
    return delays


def latest_per_reference(delays) -> list:
    """The newest delay of each client's reference (``delays`` newest first), with
    ``postponement`` saying how many times it has been put off."""
    seen, latest = set(), []
    for delay in delays:
        key = (delay.client_id, delay.reference)
        if key not in seen:
            seen.add(key)
            latest.append(delay)
    return latest
