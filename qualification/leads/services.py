"""Writes on single leads outside the bulk sync (admin, forms, tests)."""

from django.db import transaction

from qualification.evaluation.writes import leads_evaluate_ids
from qualification.leads.duplicates import duplicates_flag
from qualification.models import Lead
from qualification.models.leads import LEAD_CONTENT_FIELDS


def lead_save(*, lead: Lead) -> Lead:
    """Save a lead created or edited by hand and do what a synced lead gets.

    Its evaluation against the published portrait and its possible duplicates, as the
    bulk sync does for pushed leads.
    """
    lead.full_clean()
    with transaction.atomic():
        if lead._state.adding:
            lead.save()
        else:
            # Only what a person edits: a decision, a signing or a reassignment committed
            # meanwhile keeps the stage and owner it set.
            lead.save(update_fields=[*LEAD_CONTENT_FIELDS, "updated_at"])
        leads_evaluate_ids(ids=[lead.pk])
        duplicates_flag(lead_ids=[lead.pk])
    lead.refresh_from_db()
    return lead
