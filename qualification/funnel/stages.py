"""The funnel as a chart reads it: how many leads reached each step."""

from dataclasses import dataclass

from django.db.models import Count

from qualification.choices import LeadStage
from qualification.models import Lead

#: Stages a lead decided interesting can be at: still open, signed, or lost.
_DECIDED_INTERESTING = (LeadStage.QUALIFIED, LeadStage.CONTRACTED, LeadStage.LOST)


@dataclass(frozen=True)
class FunnelStages:
    """Leads → evaluated → decided interesting → contracted; and those lost on the way."""

    leads: int
    evaluated: int
    interesting: int
    contracted: int
    lost: int


def funnel_stages(*, owner=None) -> FunnelStages:
    """Every lead's step (``owner``'s only, if given), in one query over the stage index."""
    leads = Lead.objects.all() if owner is None else Lead.objects.filter(owner=owner)
    # COUNT(suggested_verdict) counts the evaluated: both columns are in one index.
    rows = {
        row["stage"]: row
        for row in leads.values("stage")
        .annotate(total=Count("*"), evaluated=Count("suggested_verdict"))
        .order_by()
    }

    def total(*stages) -> int:
        return sum(rows[stage]["total"] for stage in stages if stage in rows)

    return FunnelStages(
        leads=total(*LeadStage.values),
        evaluated=sum(row["evaluated"] for row in rows.values()),
        interesting=total(*_DECIDED_INTERESTING),
        contracted=total(LeadStage.CONTRACTED),
        lost=total(LeadStage.LOST),
    )
