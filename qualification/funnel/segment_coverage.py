"""Coverage per segment (article 002, point 1): what the funnel holds and has won of each
segment's market, against its capacity and market potential.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from portrait.models import Segment
from qualification.choices import DecisionVerdict
from qualification.funnel.outcomes import SegmentOutcome, outcomes
from qualification.models import Decision, Lead


@dataclass(frozen=True)
class SegmentCoverage:
    """A segment's capacity and market potential against its leads, interest and clients."""

    segment: Segment
    leads: int
    interesting: int
    won: SegmentOutcome

    @property
    def capacity(self) -> int:
        return self.segment.capacity

    @property
    def market_potential(self) -> Decimal:
        return self.segment.market_potential

    @property
    def capacity_reached(self) -> Decimal:
        """Clients per company the segment holds in our market (1 = every one)."""
        return _share(self.won.clients, self.capacity)

    @property
    def potential_reached(self) -> Decimal:
        """Contracted value per unit of market potential."""
        return _share(self.won.value, self.market_potential)

    @property
    def potential_percent(self) -> Decimal:
        """The share of the market potential won, in percent to two places."""
        return (self.potential_reached * 100).quantize(Decimal("0.01"))


def _share(value, whole) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(value) / Decimal(whole)).quantize(Decimal("0.0001"))


def segment_coverage(*, portrait) -> list[SegmentCoverage]:
    """Each segment of ``portrait`` in matching order, company-wide, in four queries.

    The leads are counted from the segment index alone and the interesting ones from
    the current decisions, so no query reads every lead.
    """
    segments = list(portrait.segments.all())
    ids = [segment.pk for segment in segments]
    leads = dict(
        Lead.objects.filter(segment_id__in=ids)
        .values_list("segment")
        .annotate(count=Count("*"))
        .order_by()
    )
    interesting = dict(
        Decision.objects.filter(
            is_current=True, verdict=DecisionVerdict.INTERESTING, lead__segment_id__in=ids
        )
        .values_list("lead__segment")
        .annotate(count=Count("*"))
        .order_by()
    )
    won = outcomes().by_segment(segment_ids=ids)
    return [
        SegmentCoverage(
            segment=segment,
            leads=leads.get(segment.pk, 0),
            interesting=interesting.get(segment.pk, 0),
            won=won.get(segment.pk, SegmentOutcome()),
        )
        for segment in segments
    ]
