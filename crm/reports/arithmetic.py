"""The reports' arithmetic: pure functions over plain records, no ORM.

**Deadline compliance** of a group of feedback items is, for the first response and for
the resolution each, the share of the items whose deadline is *decided* that met it. A
deadline is decided once the item was answered (met if by the deadline) or once the
deadline passed unanswered (missed); an item still inside its deadline counts for
neither side yet. Items without deadlines (received before any rules) are left out.

**Waiting time** is the median, in service minutes, of the first responses and of the
resolutions given: the minutes the service was open between receipt and answer, as
the calendar that set the deadline counts them.
"""

import datetime
import statistics
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

_SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ServiceRecord:
    """What the reports read of one feedback item."""

    key: Hashable
    month: datetime.date
    response_due: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    resolution_due: datetime.datetime | None
    resolved_at: datetime.datetime | None
    response_minutes: int | None
    resolution_minutes: int | None


@dataclass(frozen=True)
class ServiceFigures:
    """Deadlines met and waiting times of a group of items."""

    items: int = 0
    response_decided: int = 0
    response_met: int = 0
    resolution_decided: int = 0
    resolution_met: int = 0
    median_response_minutes: float | None = None
    median_resolution_minutes: float | None = None

    @property
    def response_share(self) -> Decimal | None:
        """Share of the decided first-response deadlines that were met (None: none decided)."""
        return share(self.response_met, self.response_decided)

    @property
    def resolution_share(self) -> Decimal | None:
        return share(self.resolution_met, self.resolution_decided)

    @property
    def response_percent(self) -> int | None:
        return percent(self.response_share)

    @property
    def resolution_percent(self) -> int | None:
        return percent(self.resolution_share)


def share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_SHARE_PLACES)


def percent(value: Decimal | None) -> int | None:
    """A share as a whole percentage, rounded half up (0.8333 → 83)."""
    if value is None:
        return None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class _Tally:
    items: int = 0
    response_decided: int = 0
    response_met: int = 0
    resolution_decided: int = 0
    resolution_met: int = 0
    response_waits: list = field(default_factory=list)
    resolution_waits: list = field(default_factory=list)

    def add(self, record: ServiceRecord, now: datetime.datetime) -> None:
        self.items += 1
        decided, met = _deadline(record.response_due, record.acknowledged_at, now)
        self.response_decided += decided
        self.response_met += met
        decided, met = _deadline(record.resolution_due, record.resolved_at, now)
        self.resolution_decided += decided
        self.resolution_met += met
        if record.acknowledged_at is not None and record.response_minutes is not None:
            self.response_waits.append(record.response_minutes)
        if record.resolved_at is not None and record.resolution_minutes is not None:
            self.resolution_waits.append(record.resolution_minutes)

    def figures(self) -> ServiceFigures:
        return ServiceFigures(
            items=self.items,
            response_decided=self.response_decided,
            response_met=self.response_met,
            resolution_decided=self.resolution_decided,
            resolution_met=self.resolution_met,
            median_response_minutes=median(self.response_waits),
            median_resolution_minutes=median(self.resolution_waits),
        )


def _deadline(due, answered_at, now) -> tuple[int, int]:
    """(decided, met) of one deadline: answered, or passed unanswered."""
    if due is None:
        return 0, 0
    if answered_at is not None:
        return 1, int(answered_at <= due)
    return int(due < now), 0


def median(values: list) -> float | None:
    return float(statistics.median(values)) if values else None


def service_figures(
    records: Iterable[ServiceRecord],
    *,
    now: datetime.datetime,
    key: Callable[[ServiceRecord], Hashable] = lambda record: record.key,
) -> dict[tuple[Hashable, datetime.date], ServiceFigures]:
    """The figures of each (key, month) group of ``records``, and of each key over all
    months under the month ``None``."""
    tallies: dict[tuple, _Tally] = {}
    for record in records:
        if record.response_due is None and record.resolution_due is None:
            continue
        group = key(record)
        for month in (record.month, None):
            tallies.setdefault((group, month), _Tally()).add(record, now)
    return {group: tally.figures() for group, tally in tallies.items()}


def month_starts(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the ``count`` months ending with ``today``'s, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def average(total: float | None) -> Decimal | None:
    """An average rating to two places."""
    if total is None:
        return None
    return Decimal(str(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def digest_period_start(day: datetime.date, *, days: int) -> datetime.date:
    """The first day of the ``days``-long period ``day`` falls in, periods counted from
    Monday 1 January of year 1: seven days are the weeks from Monday."""
    ordinal = day.toordinal() - 1
    return datetime.date.fromordinal(ordinal - ordinal % days + 1)


def last_contact(*moments) -> datetime.date | None:
    """The latest date among ``moments`` (dates or aware datetimes already made local)."""
    days = [
        moment.date() if isinstance(moment, datetime.datetime) else moment
        for moment in moments
        if moment is not None
    ]
    return max(days, default=None)
