"""What the funnel yields — contracts signed and their value — as the app recording them says.

``qualification`` ends at "interesting"; the contracts that close the funnel belong to
the app above it (``crm``), which registers its ``Outcomes`` here in its ``ready()``.
Until one registers, the funnel has signed nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Signed:
    """Contracts signed in a period and their value in the company's currency."""

    contracts: int = 0
    value: Decimal = field(default_factory=Decimal)


@dataclass(frozen=True)
class SegmentOutcome:
    """What a segment has won: its clients and their contracted value."""

    clients: int = 0
    value: Decimal = field(default_factory=Decimal)


class Outcomes(Protocol):
    def by_segment(self, *, segment_ids: list[int]) -> dict[int, SegmentOutcome]:
        """The clients and contracted value won per segment."""

    def signed_by_day(
        self, *, start: datetime.date, end: datetime.date
    ) -> list[tuple[int | None, datetime.date, int, Decimal]]:
        """(salesperson id, day, contracts, value) of the contracts signed from start to end."""


class NothingSigned:
    """The outcomes of a funnel that no app closes."""

    def by_segment(self, *, segment_ids) -> dict[int, SegmentOutcome]:
        return {}

    def signed_by_day(self, *, start, end) -> list:
        return []


_registered: list[Outcomes] = [NothingSigned()]


def outcomes_register(source: Outcomes) -> None:
    """Make ``source`` the funnel's outcomes (the last registration wins)."""
    _registered[0] = source


def outcomes() -> Outcomes:
    return _registered[0]
