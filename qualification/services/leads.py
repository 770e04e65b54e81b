"""Writes on single leads outside the bulk sync (admin, forms, tests)."""

from django.db import transaction

from qualification.models import Lead, LeadIdentity
from qualification.services.duplicates import duplicates_flag
from qualification.services.evaluation import leads_evaluate_ids


def lead_save(*, lead: Lead) -> Lead:
    """Save a lead created or edited by hand and do what a synced lead gets.

    Its own identity (so pushes and merges find it), its evaluation against the published
    portrait, and its possible duplicates, as the bulk sync does for pushed leads.
    """
    lead.full_clean()
    with transaction.atomic():
        lead.save()
        lead_identity_ensure(lead=lead)
        leads_evaluate_ids(ids=[lead.pk])
        duplicates_flag(lead_ids=[lead.pk])
    lead.refresh_from_db()
    return lead


def lead_identity_ensure(*, lead: Lead) -> LeadIdentity:
    """Make sure the lead's own ``(source, external_id)`` resolves to it."""
    identity, _created = LeadIdentity.objects.get_or_create(
        source=lead.source, external_id=lead.external_id, defaults={"lead": lead}
    )
    return identity
