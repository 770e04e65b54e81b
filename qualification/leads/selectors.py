"""Reads on leads; visibility always goes through ``Lead.objects.for_user``."""

from django.db import models

from qualification.models import DuplicateCandidate, Lead


def leads_visible(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, bare: for acting on one without rendering it."""
    return Lead.objects.for_user(user)


def lead_queue(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, in the queue's order, with what its rows show."""
    return Lead.objects.for_user(user).select_related("segment", "owner").in_queue_order()


def lead_page(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, with what the lead page shows of one."""
    return Lead.objects.for_user(user).select_related("segment", "owner", "evaluated_portrait")


def lead_list(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, with what their list and detail render, in few queries."""
    return (
        Lead.objects.for_user(user)
        .select_related("owner", "segment", "evaluated_portrait")
        .prefetch_related("merged_identities")
    )


def lead_duplicates(*, lead: Lead, user) -> list[dict]:
    """Unresolved possible duplicates of ``lead`` that ``user`` can see, with their reasons."""
    candidates = DuplicateCandidate.objects.filter(
        models.Q(lead=lead) | models.Q(duplicate_of=lead), resolved=False
    ).values_list("lead_id", "duplicate_of_id", "reason")
    reasons: dict[int, list[str]] = {}
    for lead_id, duplicate_of_id, reason in candidates:
        other = duplicate_of_id if lead_id == lead.pk else lead_id
        reasons.setdefault(other, []).append(reason)
    if not reasons:
        return []
    others = lead_list(user=user).filter(pk__in=list(reasons)).order_by("pk")
    return [{"lead": other, "reasons": sorted(reasons[other.pk])} for other in others]
