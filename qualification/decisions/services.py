"""Decisions on leads: who may decide, overrides, and a history that is never overwritten."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qualification.choices import DecisionVerdict, LeadChange, LeadStage, SuggestedVerdict
from qualification.funnel.alerts import alerts_check_on_change
from qualification.leads.transitions import lead_transition
from qualification.models import Decision, Lead, RejectionReason
from qualification.models.leads import LEAD_CONTENT_FIELDS

_STAGE_OF_VERDICT = {
    DecisionVerdict.INTERESTING: LeadStage.QUALIFIED,
    DecisionVerdict.NOT_INTERESTING: LeadStage.DISQUALIFIED,
}
_DECIDABLE_STAGES = {LeadStage.NEW, LeadStage.QUALIFIED, LeadStage.DISQUALIFIED}

#: The reason codes every installation starts with (managed in the admin afterwards).
#: The labels are stored in English and translated when shown (``RejectionReason.__str__``).
DEFAULT_REJECTION_REASONS = [
    ("no_budget", gettext_noop("No budget")),
    ("wrong_size", gettext_noop("Wrong company size")),
    ("competitor_client", gettext_noop("Client of a competitor")),
    ("not_reachable", gettext_noop("Not reachable")),
    ("other", gettext_noop("Other")),
]


def rejection_reasons_seed() -> int:
    """Create the default reason codes that are missing (never changes existing ones)."""
    existing = set(RejectionReason.objects.values_list("code", flat=True))
    missing = [
        RejectionReason(code=code, label=label)
        for code, label in DEFAULT_REJECTION_REASONS
        if code not in existing
    ]
    RejectionReason.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def lead_can_decide(*, lead: Lead, user) -> bool:
    """The role table: sales decide unassigned and own leads, managers all, others never."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not user.has_perm("qualification.qualify_lead"):
        return False
    if user.has_perm("qualification.view_all_leads"):
        return True
    return lead.owner_id is None or lead.owner_id == user.pk


def _snapshot(lead: Lead) -> dict:
    """What the portrait's rules read of ``lead`` now: its source and its content."""
    return {field: getattr(lead, field) for field in ("source", *LEAD_CONTENT_FIELDS)}


def lead_decide(
    *,
    lead: Lead,
    user,
    verdict: str,
    reason: str = "",
    reason_code: RejectionReason | None = None,
) -> Decision:
    """Record ``user``'s verdict on ``lead`` and move it to qualified or disqualified.

    The lead row is locked so two people deciding at once both end in the
    history, in order. A salesperson deciding an unassigned lead takes it.
    Rejecting a lead the portrait suggests as interesting is an override and
    needs an active reason code. Raises ``PermissionDenied`` or ``ValidationError``;
    then nothing changes.
    """
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if not lead_can_decide(lead=lead, user=user):
            raise PermissionDenied(_("You may not decide on this lead."))
        if verdict not in DecisionVerdict.values:
            raise ValidationError({"verdict": _("Choose interesting or not interesting.")})
        if lead.stage not in _DECIDABLE_STAGES:
            raise ValidationError(
                {
                    "verdict": _("A lead at stage %(stage)s is no longer decided on.")
                    % {"stage": lead.get_stage_display()}
                }
            )
        is_override = (
            verdict == DecisionVerdict.NOT_INTERESTING
            and lead.suggested_verdict == SuggestedVerdict.INTERESTING
        )
        if reason_code is not None and not reason_code.is_active:
            raise ValidationError({"reason_code": _("This reason code is no longer in use.")})
        if is_override and reason_code is None:
            raise ValidationError(
                {
                    "reason_code": _(
                        "Rejecting a lead the portrait suggests as interesting needs a reason code."
                    )
                }
            )
        previous = Decision.objects.select_for_update().filter(lead=lead, is_current=True).first()
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        decision = Decision(
            lead=lead,
            verdict=verdict,
            reason=reason or "",
            reason_code=reason_code,
            decided_by=user,
            evaluated_portrait_id=lead.evaluated_portrait_id,
            suggested_verdict=lead.suggested_verdict,
            segment_id=lead.segment_id,
            fit_score=lead.fit_score,
            exclusions_hit=lead.exclusions_hit or [],
            lead_snapshot=_snapshot(lead),
            is_override=is_override,
            is_current=True,
        )
        decision.full_clean()
        decision.save()
        if previous is not None:
            previous.superseded_by = decision
            previous.save(update_fields=["superseded_by"])
        moved = lead_transition(
            lead=lead,
            change=LeadChange.DECIDED,
            user=user,
            stage=_STAGE_OF_VERDICT[DecisionVerdict(verdict)],
            # A salesperson deciding an unassigned lead takes it.
            owner=user if lead.owner_id is None else lead.owner,
            note=decision.get_verdict_display(),
            reason_code=reason_code,
        )
        if moved is None:
            # The same verdict again: the lead's representation still changed (a decision).
            lead.save(update_fields=["updated_at"])
            # An override rate may change all the same.
            alerts_check_on_change()
    return decision
