"""When a failed webhook is tried again: exponential backoff for a day. Pure arithmetic.

With the defaults (30 s doubling, capped at an hour, for 24 hours) a receiver that is
down gets 30 attempts: at 0 s, 30 s, 1.5 min, 3.5 min, 7.5 min, 15.5 min, 31.5 min,
63.5 min, then hourly until the day is over.
"""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class RetrySchedule:
    """Wait ``base`` after the first failure, twice as long after each next, at most ``cap``;
    give up once the next attempt would fall more than ``window`` after the first.
    """

    base: datetime.timedelta
    cap: datetime.timedelta
    window: datetime.timedelta

    def delay(self, attempt: int) -> datetime.timedelta:
        """The wait after failed attempt number ``attempt`` (the first is 1)."""
        if attempt < 1:
            raise ValueError("attempts are counted from 1")
        # Doubling in seconds, capped, before a timedelta is made: 2**attempt would overflow it.
        seconds = self.base.total_seconds() * 2 ** min(attempt - 1, 64)
        return datetime.timedelta(seconds=min(seconds, self.cap.total_seconds()))

    def next_attempt_at(
        self,
        *,
        first_attempted_at: datetime.datetime,
        attempted_at: datetime.datetime,
        attempt: int,
    ) -> datetime.datetime | None:
        """When to try again after failed attempt ``attempt`` made at ``attempted_at``;
        ``None``: the window since the first attempt is over, give up.
        """
        at = attempted_at + self.delay(attempt)
        return at if at <= first_attempted_at + self.window else None
