"""Reads of the decisions on a lead: its history, kept whole."""

from django.db.models import QuerySet

from qualification.models import Decision, Lead, RejectionReason


def decisions_for_lead(lead: Lead) -> QuerySet[Decision]:
    """A lead's decision history, newest first."""
    return (
        Decision.objects.filter(lead=lead)
        .select_related("decided_by", "reason_code")
        .order_by("-decided_at", "-id")
    )


def rejection_reasons_active() -> list[RejectionReason]:
    """The reason codes a decision may give now, as the decision form lists them."""
    return list(RejectionReason.objects.filter(is_active=True))
