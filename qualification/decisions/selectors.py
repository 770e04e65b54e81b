"""Reads of the decisions on a lead: its history, kept whole."""

from django.db.models import QuerySet

from qualification.models import Decision, Lead


def decisions_for_lead(lead: Lead) -> QuerySet[Decision]:
    """A lead's decision history, newest first."""
    return (
        Decision.objects.filter(lead=lead)
        .select_related("decided_by", "reason_code")
        .order_by("-decided_at", "-id")
    )
