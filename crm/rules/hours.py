"""Service hours: which minutes are open, and when a target in service minutes falls due.

Pure arithmetic (no ORM), as DESIGN.md defines it: a UTC minute is open when, in the
calendar's time zone, its local date is neither a public holiday nor a closed day and
its local time lies in one of that weekday's intervals (start inclusive, end exclusive).
A deadline is the instant at which the open minutes counted from the item's arrival
reach the target: received outside hours, the clock starts at the next opening; a
deadline that lands on the end of an interval is that end. Local wall-clock hours hold
across daylight-saving changes: an interval that a change shortens or lengthens holds
the minutes the clocks show.

The arithmetic walks UTC in stretches of one UTC offset: within one, local time is UTC
plus a constant, so each local day's intervals map to one UTC span each.
"""

import datetime
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = datetime.UTC
_DAY = datetime.timedelta(days=1)
_MINUTE = datetime.timedelta(minutes=1)
#: How far ahead a deadline is looked for: a calendar open less than this is broken.
HORIZON = datetime.timedelta(days=3 * 366)

Interval = tuple[datetime.time, datetime.time | None]  # end None: midnight at the day's end


class NeverOpen(ValueError):
    """The calendar opens no minute within ``HORIZON``: no deadline can be counted."""


@dataclass(frozen=True)
class ServiceCalendar:
    """Opening hours per weekday (0 = Monday) in a time zone, and the days it is closed.

    ``is_closed(date)`` says whether a local date is a public holiday or a closed day.
    """

    time_zone: ZoneInfo
    hours: Mapping[int, Sequence[Interval]]
    is_closed: Callable[[datetime.date], bool] = lambda day: False

    def is_open(self, instant: datetime.datetime) -> bool:
        """Whether the UTC minute starting at ``instant`` is open (the reference definition)."""
        local = instant.astimezone(self.time_zone)
        if self.is_closed(local.date()):
            return False
        clock = local.time().replace(tzinfo=None)
        return any(
            start <= clock and (end is None or clock < end)
            for start, end in self.hours.get(local.weekday(), ())
        )

    def open_spans(
        self, start: datetime.datetime, until: datetime.datetime | None = None
    ) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
        """The open stretches of UTC from ``start`` on (clipped to it), in order."""
        until = until or start + HORIZON
        for segment_start, segment_end, offset in self._offset_segments(start, until):
            yield from self._spans_in_segment(segment_start, segment_end, offset)

    def deadline(self, received_at: datetime.datetime, minutes: int) -> datetime.datetime:
        """When ``minutes`` open minutes have passed since ``received_at``."""
        remaining = datetime.timedelta(minutes=minutes)
        for span_start, span_end in self.open_spans(received_at):
            if remaining <= span_end - span_start:
                return span_start + remaining
            remaining -= span_end - span_start
        raise NeverOpen(f"no open minute within {HORIZON.days} days")

    def open_minutes(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """The open minutes between two instants: a waiting time in service minutes."""
        if end <= start:
            return 0.0
        total = datetime.timedelta()
        for span_start, span_end in self.open_spans(start, until=end):
            total += min(span_end, end) - span_start
        return total / _MINUTE

    def _offset_segments(self, start, until):
        """Stretches ``[a, b)`` of UTC within which the zone's offset is ``offset``."""
        zone, current = self.time_zone, start.astimezone(UTC)
        while current < until:
            offset = current.astimezone(zone).utcoffset()
            # Offsets change a few times a year: step by days, then find the change.
            probe = current + _DAY
            while probe < until and probe.astimezone(zone).utcoffset() == offset:
                probe += _DAY
            end = _first_change(zone, probe - _DAY, min(probe, until), offset)
            yield current, end, offset
            current = end

    def _spans_in_segment(self, start, end, offset):
        """The open spans within ``[start, end)``, where local time is UTC + ``offset``."""
        local_start = (start + offset).replace(tzinfo=None)
        local_end = (end + offset).replace(tzinfo=None)
        day = local_start.date()
        while datetime.datetime.combine(day, datetime.time()) < local_end:
            if not self.is_closed(day):
                for span_start, span_end in _merged(self._local_intervals(day)):
                    span_start, span_end = max(span_start, local_start), min(span_end, local_end)
                    if span_start < span_end:
                        yield (
                            (span_start - offset).replace(tzinfo=UTC),
                            (span_end - offset).replace(tzinfo=UTC),
                        )
            day += _DAY

    def _local_intervals(self, day: datetime.date):
        for open_at, close_at in self.hours.get(day.weekday(), ()):
            closing = (
                datetime.datetime.combine(day + _DAY, datetime.time())
                if close_at is None
                else datetime.datetime.combine(day, close_at)
            )
            yield datetime.datetime.combine(day, open_at), closing


def _merged(intervals) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The intervals in order, overlapping or touching ones joined."""
    merged: list[list[datetime.datetime]] = []
    for start, end in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _first_change(zone, low, high, offset) -> datetime.datetime:
    """The first whole second in ``(low, high]`` whose offset is not ``offset``, else ``high``.

    Zones change their offset on whole seconds.
    """
    if high.astimezone(zone).utcoffset() == offset:
        return high
    low_second, high_second = int(low.timestamp()), int(high.timestamp())
    if high_second < high.timestamp():
        high_second += 1
    while high_second - low_second > 1:
        middle = (low_second + high_second) // 2
        at = datetime.datetime.fromtimestamp(middle, UTC)
        if at.astimezone(zone).utcoffset() == offset:
            low_second = middle
        else:
            high_second = middle
    return max(low, datetime.datetime.fromtimestamp(high_second, UTC))
