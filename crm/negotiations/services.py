"""Negotiating hard questions: open one, record each side's say, close it with an outcome.

The record is append-only: entries are never edited or deleted; a correction is a new
entry naming the one it corrects.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.choices import NegotiationOutcome
from crm.clients.selectors import clients_for_user
from crm.models import Client, Contract, Feedback, Negotiation, NegotiationEntry
from crm.validators import validate_ahead


def negotiation_open(
    *,
    user,
    client: Client,
    question: str,
    deadline,
    contract: Contract | None = None,
    clause_ref: str = "",
    feedback: Feedback | None = None,
) -> Negotiation:
    """Open a negotiation with ``client`` on a question, against a clause where one applies.

    Owners negotiate with their own clients, managers with any. The contract must be the
    client's and the clause one of the contract's. A negotiation opened from a feedback
    item (a complaint that needs a hard conversation) names it, and the item links back;
    it must be the same client's.
    """
    if not user.has_perm("crm.add_negotiation") or not _reaches(user, client):
        raise PermissionDenied(_("You may not negotiate with this client."))
    errors = {}
    try:
        validate_ahead(deadline)
    except ValidationError as error:
        errors["deadline"] = error.messages
    if contract is not None and contract.client_id != client.pk:
        errors["contract"] = [_("The contract is another client's.")]
    elif clause_ref and contract is None:
        errors["clause_ref"] = [_("Name the contract the clause belongs to.")]
    elif clause_ref and not contract.clauses.filter(ref=clause_ref).exists():
        errors["clause_ref"] = [
            _("Contract %(contract)s has no clause %(ref)s.")
            % {"contract": contract, "ref": clause_ref}
        ]
    if feedback is not None and feedback.client_id != client.pk:
        errors["feedback"] = [_("The feedback is another client's.")]
    if errors:
        raise ValidationError(errors)
    negotiation = Negotiation(
        client=client,
        contract=contract,
        feedback=feedback,
        clause_ref=clause_ref,
        question=question,
        deadline=deadline,
        opened_by=user,
    )
    with transaction.atomic():
        negotiation.full_clean()
        negotiation.save()
    return negotiation


def negotiation_entry_add(
    *,
    negotiation: Negotiation,
    user,
    party: str,
    kind: str,
    text: str,
    corrects: NegotiationEntry | None = None,
) -> NegotiationEntry:
    """Record a position or a proposal of one side on an open negotiation."""
    if not user.has_perm("crm.add_negotiationentry") or not _reaches(user, negotiation.client):
        raise PermissionDenied(_("You may not negotiate with this client."))
    with transaction.atomic():
        locked = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
        _refuse_unless_open(locked)
        if corrects is not None and corrects.negotiation_id != locked.pk:
            raise ValidationError({"corrects": _("That entry belongs to another negotiation.")})
        entry = NegotiationEntry(
            negotiation=locked,
            party=party,
            kind=kind,
            text=text,
            corrects=corrects,
            recorded_by=user,
        )
        entry.full_clean()
        entry.save()
    return entry


def negotiation_close(
    *, negotiation: Negotiation, user, outcome: str, agreement: str = ""
) -> Negotiation:
    """Close an open negotiation: agreed (with the agreement's text), escalated, or withdrawn."""
    if not user.has_perm("crm.change_negotiation") or not _reaches(user, negotiation.client):
        raise PermissionDenied(_("You may not negotiate with this client."))
    if outcome not in NegotiationOutcome.values:
        raise ValidationError({"outcome": _("Choose one of: agreed, escalated, withdrawn.")})
    if outcome == NegotiationOutcome.AGREED and not agreement.strip():
        raise ValidationError({"agreement": _("An agreement needs its text.")})
    with transaction.atomic():
        locked = Negotiation.objects.select_for_update().get(pk=negotiation.pk)
        _refuse_unless_open(locked)
        locked.outcome, locked.agreement = outcome, agreement
        locked.closed_by, locked.closed_at = user, timezone.now()
        locked.full_clean()
        locked.save(update_fields=["outcome", "agreement", "closed_by", "closed_at"])
    return locked


def _refuse_unless_open(negotiation: Negotiation) -> None:
    """A closed negotiation takes no more entries and no second outcome."""
    if not negotiation.is_open:
        raise ValidationError(
            {
                "negotiation": _("The negotiation is closed: %(outcome)s.")
                % {"outcome": negotiation.get_outcome_display()}
            }
        )


def _reaches(user, client: Client) -> bool:
    return clients_for_user(user).filter(pk=client.pk).exists()
