"""Writes on single leads outside the bulk sync (admin, forms, tests)."""

from django.db import transaction

from qualification.models import Lead, LeadIdentity
from qualification.services.evaluation import leads_evaluate


def lead_create(*, source: str, external_id: str, **fields) -> Lead:
    """Create a lead with its own identity, so pushes and merges can find it."""
    lead = Lead(source=source, external_id=external_id, **fields)
    lead.full_clean()
    with transaction.atomic():
        lead.save()
        lead_identity_ensure(lead=lead)
        leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    lead.refresh_from_db()
    return lead


def lead_identity_ensure(*, lead: Lead) -> LeadIdentity:
    """Make sure the lead's own ``(source, external_id)`` resolves to it."""
    identity, _created = LeadIdentity.objects.get_or_create(
        source=lead.source, external_id=lead.external_id, defaults={"lead": lead}
    )
    return identity
