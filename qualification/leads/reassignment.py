"""Who owns a lead: a manager gives it to another salesperson, or back to the pool."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from qualification.choices import LeadChange
from qualification.leads.transitions import lead_transition
from qualification.models import Lead

REASSIGN = "qualification.reassign_lead"
_QUALIFY = ("qualification", "qualify_lead")


def lead_owner_candidates() -> models.QuerySet:
    """The active users who may own leads: those who may decide on them (sales staff)."""
    app_label, codename = _QUALIFY
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            models.Q(is_superuser=True)
            | models.Q(user_permissions__in=permission)
            | models.Q(groups__permissions__in=permission)
        )
        .distinct()
        .order_by("username")
    )


def lead_reassign(*, lead: Lead, owner, user, note: str = "") -> Lead:
    """Give ``lead`` to ``owner`` (``None``: back to the unassigned pool), recorded.

    Needs the *reassign leads* permission (managers, admins); the new owner must be an
    active salesperson. Raises ``PermissionDenied`` or ``ValidationError``; nothing
    changes then.
    """
    if not user.has_perm(REASSIGN):
        raise PermissionDenied(_("You may not reassign leads."))
    if owner is not None and not lead_owner_candidates().filter(pk=owner.pk).exists():
        raise ValidationError(
            {
                "owner": _("Only an active salesperson can own leads: %(user)s cannot.")
                % {"user": owner}
            }
        )
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        lead_transition(
            lead=locked, change=LeadChange.REASSIGNED, user=user, owner=owner, note=note
        )
    return locked
