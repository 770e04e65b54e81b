"""Reads on leads; visibility always goes through ``Lead.objects.for_user``."""

import datetime

from django.db import models

from qualification.choices import LeadStage
from qualification.models import DuplicateCandidate, Lead, LeadMerge
from qualification.ranking import ranked


def leads_visible(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, bare: for acting on one without rendering it."""
    return Lead.objects.for_user(user)


def lead_queue(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, in the ranking's order (``qualification.ranking``), with
    what the queue's rows show and each lead's ``estimated_value``.
    """
    return ranked(Lead.objects.for_user(user).select_related("segment", "owner"))


def lead_next_in_queue(*, lead: Lead, user) -> Lead | None:
    """The first lead still to decide in ``user``'s queue other than ``lead``: the one to open
    once ``lead`` is decided.
    """
    return (
        lead_queue(user=user)
        .select_related(None)
        .filter(stage=LeadStage.NEW)
        .exclude(pk=lead.pk)
        .only("pk", "company_name", "source", "external_id")
        .first()
    )


def lead_page(*, user) -> models.QuerySet[Lead]:
    """The leads ``user`` may read, with what the lead page shows of one."""
    return (
        Lead.objects.for_user(user)
        .select_related("segment", "owner", "evaluated_portrait")
        .prefetch_related("evaluated_portrait__segments", "evaluated_portrait__exclusions")
    )


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


def lead_merge_markers(
    *, user, merged_since: datetime.datetime, source: str | None = None
) -> models.QuerySet[LeadMerge]:
    """The merges since ``merged_since`` of leads ``user`` could see: a pull's markers.

    The merged lead is gone, so the rules of ``Lead.objects.for_user`` are applied to
    it as it was when merged (its snapshot): everyone who sees every lead sees every
    marker; sales those of leads unassigned or their own then; integrations those of
    leads known then in a source granted to them, by their own key or one they had
    taken over (``identities``; a merge recorded before they were kept is judged by its
    own key). ``source`` keeps the markers of leads known in that source. A merge record
    follows its survivor into later merges: ``survivor`` is the lead that holds the
    merged lead's identities now.
    """
    merges = LeadMerge.objects.filter(merged_at__gte=merged_since)
    if source is not None:
        merges = merges.filter(_known_in(sources=[source]))
    fields = ("merged_lead_id", "survivor_id", "merged_snapshot", "merged_at")
    if user is None or not user.is_authenticated or not user.is_active:
        return merges.none()
    if user.is_superuser or user.has_perm("qualification.view_all_leads"):
        return merges.only(*fields)
    if not user.has_perm("qualification.view_lead"):
        return merges.none()
    visible = models.Q(pk__in=[])
    if user.has_perm("qualification.qualify_lead"):
        visible |= models.Q(merged_snapshot__owner=None) | models.Q(merged_snapshot__owner=user.pk)
    if user.has_perm("qualification.sync_lead"):
        granted = list(user.lead_sources.values_list("name", flat=True))
        if granted:
            visible |= _known_in(sources=granted)
    return merges.filter(visible).only(*fields)


def _known_in(*, sources: list[str]) -> models.Q:
    """Merge records of leads known in one of ``sources`` when they were merged."""
    return models.Q(merged_snapshot__identities__has_any_keys=sources) | models.Q(
        merged_snapshot__identities__isnull=True, merged_snapshot__source__in=sources
    )
