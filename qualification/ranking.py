"""The queue's ranking: which lead to decide first, and why, written once for SQL and people.

A lead that matches a segment comes before one that does not, the segment of lowest
priority number first (the portrait's own order of matching). Within a priority, the lead
worth more comes first: its *estimated value* is the segment's average annual deal value
scaled by the lead's size, in the European Commission's size classes of enterprises
(micro under 10 employees, small under 50, medium under 250, large from 250); a lead of
unknown size counts as a medium one, the segment's average. Then the better fit, then the
newest.

The evaluation stores each lead's ``segment_priority`` and ``estimated_value`` (whole units
of the company's currency, rounded down) with its segment, computed in SQL by
``qualification.evaluation.statement`` from ``SIZE_BANDS``, so that the queue reads its
order from an index (``QUEUE_ORDER``) rather than sorting every lead it may show: on
100,000 leads ordering by the segment's columns through a join took 122 ms a page, the
index 0.7 ms. ``size_factor`` and ``estimated_value`` are the reference the stored values
are tested against.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qualification.querysets import QUEUE_ORDER


@dataclass(frozen=True)
class SizeBand:
    """Companies with fewer than ``below`` employees (``None``: no upper bound)."""

    below: int | None
    factor: Decimal
    label: str


SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand(10, Decimal("0.5"), _("micro (under 10 employees)")),
    SizeBand(50, Decimal("0.75"), _("small (10–49 employees)")),
    SizeBand(250, Decimal("1"), _("medium (50–249 employees)")),
    SizeBand(None, Decimal("1.5"), _("large (250 employees or more)")),
)
#: A lead whose size is unknown is worth the segment's average deal.
UNKNOWN_SIZE_FACTOR = Decimal("1")


def size_band(employees: int | None) -> SizeBand | None:
    """The size class of a company of ``employees`` people, ``None`` when unknown."""
    if employees is None:
        return None
    return next(band for band in SIZE_BANDS if band.below is None or employees < band.below)


def size_factor(employees: int | None) -> Decimal:
    band = size_band(employees)
    return UNKNOWN_SIZE_FACTOR if band is None else band.factor


def estimated_value(*, average_deal_value: Decimal | None, employees: int | None) -> int | None:
    """The segment's average deal scaled by the lead's size, in whole units rounded down;
    ``None`` without a segment.
    """
    if average_deal_value is None:
        return None
    return int(Decimal(average_deal_value) * size_factor(employees) // 1)


def estimated_value_note(*, average_deal_value: Decimal | None, employees: int | None) -> str:
    """How a lead's estimated value is made, for the queue's row: ``72,000 × 0.75 (small …)``."""
    if average_deal_value is None:
        return ""
    band = size_band(employees)
    return gettext("the segment's average deal %(deal)s × %(factor)s: %(size)s") % {
        "deal": formats.number_format(average_deal_value, 0, force_grouping=True),
        "factor": formats.localize(size_factor(employees)),
        "size": band.label if band is not None else gettext("size unknown"),
    }


def factor_quarters(factor: Decimal) -> int:
    """A size factor in quarters (×1.5 is 6): the SQL multiplies whole numbers only."""
    quarters = factor * 4
    if quarters != int(quarters):
        raise ValueError(f"a size factor is a whole number of quarters, not {factor}")
    return int(quarters)


def estimated_value_sql(*, average_deal_value: Decimal, employees: str) -> str:
    """``estimated_value`` as SQL over the column ``employees``, for a segment's average deal:
    whole numbers only (cents × quarters, divided by 400), so PostgreSQL and SQLite agree to
    the unit with the reference.
    """
    cents = int(Decimal(average_deal_value) * 100)
    whens = " ".join(
        f"WHEN {employees} < {int(band.below)} THEN {factor_quarters(band.factor)}"
        for band in SIZE_BANDS
        if band.below is not None
    )
    large = factor_quarters(SIZE_BANDS[-1].factor)
    unknown = factor_quarters(UNKNOWN_SIZE_FACTOR)
    factor = f"CASE WHEN {employees} IS NULL THEN {unknown} {whens} ELSE {large} END"
    return f"(CAST({cents} AS bigint) * {factor} / 400)"


def size_factors_text() -> str:
    """The size factors as the queue's "why this order" line states them, localised."""
    factors = [
        gettext("%(band)s ×%(factor)s")
        % {"band": band.label, "factor": formats.localize(band.factor)}
        for band in SIZE_BANDS
    ]
    factors.append(
        gettext("size unknown ×%(factor)s") % {"factor": formats.localize(UNKNOWN_SIZE_FACTOR)}
    )
    return ", ".join(factors)


def ranked(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` in the ranking's order (``QUEUE_ORDER``, which an index serves)."""
    return queryset.order_by(*QUEUE_ORDER)
