"""The queue's ranking: which lead to decide first, and why, written once for SQL and people.

A lead that matches a segment comes before one that does not, the segment of lowest
priority number first (the portrait's own order of matching). Within a segment, the lead
worth more comes first: its *estimated value* is the segment's average annual deal value
scaled by the lead's size, in the European Commission's size classes of enterprises
(micro under 10 employees, small under 50, medium under 250, large from 250); a lead of
unknown size counts as a medium one, the segment's average. Then the better fit, then the
newest.

``size_factor`` and ``estimated_value`` are the reference; ``ranked`` orders a queryset by
the same rules in SQL (a test holds the two together).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
#: After every real priority (a ``PositiveSmallIntegerField`` stops at 32767).
NO_SEGMENT_PRIORITY = 2**15


def size_band(employees: int | None) -> SizeBand | None:
    """The size class of a company of ``employees`` people, ``None`` when unknown."""
    if employees is None:
        return None
    return next(band for band in SIZE_BANDS if band.below is None or employees < band.below)


def size_factor(employees: int | None) -> Decimal:
    band = size_band(employees)
    return UNKNOWN_SIZE_FACTOR if band is None else band.factor


def estimated_value(*, average_deal_value: Decimal | None, employees: int | None) -> Decimal | None:
    """The segment's average deal scaled by the lead's size; ``None`` without a segment."""
    if average_deal_value is None:
        return None
    return (Decimal(average_deal_value) * size_factor(employees)).quantize(Decimal("0.01"))


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


def estimated_value_expression() -> models.Expression:
    """``estimated_value`` in SQL, over the lead's segment (NULL without one)."""
    factor = models.Case(
        *[
            models.When(employees__lt=band.below, then=models.Value(band.factor))
            for band in SIZE_BANDS
            if band.below is not None
        ],
        models.When(employees__isnull=False, then=models.Value(SIZE_BANDS[-1].factor)),
        default=models.Value(UNKNOWN_SIZE_FACTOR),
        output_field=models.DecimalField(max_digits=4, decimal_places=2),
    )
    return models.ExpressionWrapper(
        models.F("segment__average_deal_value") * factor,
        output_field=models.DecimalField(max_digits=18, decimal_places=4),
    )


def ranked(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` in the ranking's order, each lead with its ``estimated_value``.

    Plain expressions (no NULLS LAST), so that SQLite and PostgreSQL order alike.
    """
    return queryset.annotate(estimated_value=estimated_value_expression()).order_by(
        Coalesce("segment__priority", NO_SEGMENT_PRIORITY).asc(),
        Coalesce(
            "estimated_value",
            models.Value(Decimal(-1)),
            output_field=models.DecimalField(max_digits=18, decimal_places=4),
        ).desc(),
        Coalesce("fit_score", -1).desc(),
        models.F("created_at").desc(),
        models.F("id").desc(),
    )
