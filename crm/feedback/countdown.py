"""How much service time an item has left before its next deadline, or how far past it is.

Pure arithmetic over a ``ServiceCalendar`` (no ORM): the queue and the client page show
it as "2 h 15 min of service time left" or "overdue by 40 min", counted in the open
minutes of the calendar that set the deadline, so a weekend or a holiday between now
and the deadline takes nothing off the time left.
"""

import datetime
import math
from dataclasses import dataclass

from crm.choices import FeedbackStatus
from crm.rules.hours import ServiceCalendar

RESPONSE, RESOLUTION = "response", "resolution"


@dataclass(frozen=True)
class Countdown:
    """The next deadline of an item: which one, when, and the service minutes to or past it."""

    stage: str
    deadline: datetime.datetime
    #: Whole service minutes left (not overdue) or since the deadline passed (overdue).
    minutes: int
    is_overdue: bool

    @property
    def is_response(self) -> bool:
        return self.stage == RESPONSE


def countdown(
    *,
    status: str,
    response_due: datetime.datetime | None,
    resolution_due: datetime.datetime | None,
    calendar: ServiceCalendar | None,
    now: datetime.datetime,
) -> Countdown | None:
    """The countdown to the deadline an item must meet next; ``None`` when it has none.

    Open items race the first response, acknowledged ones the resolution. Past its
    deadline an item is overdue (as ``feedback_overdue`` says: strictly after it).
    """
    if status == FeedbackStatus.OPEN:
        stage, deadline = RESPONSE, response_due
    elif status == FeedbackStatus.ACKNOWLEDGED:
        stage, deadline = RESOLUTION, resolution_due
    else:
        return None
    if deadline is None or calendar is None:
        return None
    is_overdue = deadline < now
    start, end = (deadline, now) if is_overdue else (now, deadline)
    return Countdown(
        stage=stage,
        deadline=deadline,
        minutes=math.floor(calendar.open_minutes(start, end)),
        is_overdue=is_overdue,
    )


def hours_and_minutes(minutes: int) -> tuple[int, int]:
    """``135`` → ``(2, 15)``: service time is told in hours, never days (a service day's
    length is the calendar's)."""
    return divmod(max(0, int(minutes)), 60)
