"""Evaluation of leads against the published portrait (being written)."""

from django.db.models import QuerySet


def leads_evaluate(*, queryset: QuerySet) -> int:
    """Evaluate the given leads set-based against the published portrait; return how many."""
    return 0
