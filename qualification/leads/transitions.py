"""The one place a lead's stage and owner change, and the record each change leaves."""

from django.db import transaction

from qualification.choices import LeadChange, LeadStage
from qualification.models import Lead, LeadTransition

_UNCHANGED = object()


def lead_transition(
    *,
    lead: Lead,
    change: LeadChange,
    user,
    stage: LeadStage | str | None = None,
    owner=_UNCHANGED,
    note: str = "",
    reason_code=None,
) -> LeadTransition | None:
    """Move ``lead`` to ``stage`` and/or ``owner`` and record who did it; ``None`` if nothing moved.

    For services only (decisions, reassignment, merges, contracts, losses), inside their
    transaction, on a lead row they have locked. ``owner`` may be ``None`` (unassigned).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a lead's stage or owner changes inside its service's transaction")
    stage_before, owner_before = lead.stage, lead.owner_id
    update_fields = []
    if stage is not None and stage != lead.stage:
        lead.stage = stage
        update_fields.append("stage")
    if owner is not _UNCHANGED and getattr(owner, "pk", None) != lead.owner_id:
        lead.owner = owner
        update_fields.append("owner")
    if not update_fields:
        return None
    lead.save(update_fields=[*update_fields, "updated_at"])
    return lead_transition_record(
        lead=lead,
        change=change,
        user=user,
        stage_before=stage_before,
        owner_before_id=owner_before,
        note=note,
        reason_code=reason_code,
    )


def lead_transition_record(
    *,
    lead: Lead,
    change: LeadChange,
    user,
    stage_before: str,
    owner_before_id: int | None,
    note: str = "",
    reason_code=None,
) -> LeadTransition | None:
    """Record that a service moved ``lead`` (saved already) from these; ``None`` if it did not."""
    if (stage_before, owner_before_id) == (lead.stage, lead.owner_id):
        return None
    record = LeadTransition(
        lead=lead,
        change=change,
        stage_before=stage_before,
        stage_after=lead.stage,
        owner_before_id=owner_before_id,
        owner_after_id=lead.owner_id,
        changed_by=user if getattr(user, "pk", None) else None,
        note=note,
        reason_code=reason_code,
    )
    record.full_clean()
    record.save()
    # The pool, conversion and actuals the alerts watch move with a lead's stage and owner.
    from qualification.funnel.alerts import alerts_check_on_change

    alerts_check_on_change()
    return record
