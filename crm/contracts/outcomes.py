"""What the funnel yields, read from signed contracts: the funnel's figures ask it here.

``qualification`` counts leads and decisions but knows nothing of contracts; this app
registers ``ContractOutcomes`` with it (``crm.apps``), so plans get their actuals and
segments their clients and contracted value.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from crm.models import Contract
from qualification.funnel.outcomes import SegmentOutcome


class ContractOutcomes:
    """Signed contracts as the funnel's outcomes (values in the company's currency)."""

    def by_segment(self, *, segment_ids: list[int]) -> dict[int, SegmentOutcome]:
        """Per segment of the contracts' leads: the clients won and their contracted value."""
        rows = (
            Contract.objects.filter(lead__segment_id__in=segment_ids)
            .values("lead__segment_id")
            .annotate(clients=Count("client", distinct=True), value=Sum("base_value"))
            .order_by()
        )
        return {
            row["lead__segment_id"]: SegmentOutcome(
                clients=row["clients"], value=row["value"] or Decimal(0)
            )
            for row in rows
        }

    def signed_by_day(
        self, *, start: datetime.date, end: datetime.date
    ) -> list[tuple[int | None, datetime.date, int, Decimal]]:
        """(salesperson id, day, contracts, value) signed from ``start`` to ``end``: one query."""
        rows = (
            Contract.objects.filter(signed_on__gte=start, signed_on__lte=end)
            .values("salesperson_id", "signed_on")
            .annotate(count=Count("id"), value=Sum("base_value"))
            .order_by()
        )
        return [
            (row["salesperson_id"], row["signed_on"], row["count"], row["value"] or Decimal(0))
            for row in rows
        ]
