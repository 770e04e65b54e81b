"""A qualified lead that will not sign: marked lost, it leaves the active pool."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qualification.choices import LeadChange, LeadStage
from qualification.leads.transitions import lead_transition
from qualification.models import Lead, RejectionReason

MARK_LOST = "qualification.mark_lead_lost"


def lead_can_lose(*, lead: Lead, user) -> bool:
    """Sales staff mark their own leads lost, managers anyone's."""
    if not user.is_authenticated or not user.is_active or not user.has_perm(MARK_LOST):
        return False
    return user.has_perm("qualification.view_all_leads") or lead.owner_id == user.pk


def lead_lose(*, lead: Lead, user, reason_code: RejectionReason | None, reason: str = "") -> Lead:
    """Mark a qualified ``lead`` lost, with a reason code, recorded as a transition.

    Raises ``PermissionDenied`` or ``ValidationError`` (``lead`` when it is not
    qualified, ``reason_code`` when missing or retired); nothing changes then.
    """
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if not lead_can_lose(lead=lead, user=user):
            raise PermissionDenied(_("You may not mark this lead lost."))
        if lead.stage != LeadStage.QUALIFIED:
            raise ValidationError(
                {
                    "lead": _("Only a qualified lead can be lost; this one is %(stage)s.")
                    % {"stage": lead.get_stage_display()}
                }
            )
        if reason_code is None:
            raise ValidationError({"reason_code": _("Say why the lead was lost.")})
        if not reason_code.is_active:
            raise ValidationError({"reason_code": _("This reason code is no longer in use.")})
        lead_transition(
            lead=lead,
            change=LeadChange.LOST,
            user=user,
            stage=LeadStage.LOST,
            note=reason,
            reason_code=reason_code,
        )
    return lead
