"""Signing a contract: the lead becomes ``contracted`` and its company a client."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.choices import ClientKind
from crm.contracts.identity import client_of_company, company_lock
from crm.models import Client, ClientContact, Contract, ContractClause
from qualification.choices import LeadChange, LeadStage
from qualification.leads.transitions import lead_transition
from qualification.models import Lead

SIGN = "crm.add_contract"
SIGN_FOR_ANYONE = "crm.sign_any_contract"
#: A lead is signed once decided interesting; a contracted one may sign again (a renewal).
SIGNABLE_STAGES = {LeadStage.QUALIFIED, LeadStage.CONTRACTED}
_CONTRACT_FIELDS = ("number", "signed_on", "value", "currency", "term_months")


def lead_can_sign(*, lead: Lead, user) -> bool:
    """Sales staff sign for their own leads, managers for anyone's."""
    if not user.is_authenticated or not user.is_active or not user.has_perm(SIGN):
        return False
    return user.has_perm(SIGN_FOR_ANYONE) or lead.owner_id == user.pk


def contract_sign(
    *,
    lead: Lead,
    user,
    data: Mapping[str, Any],
    clauses: Iterable[Mapping[str, str]] = (),
) -> tuple[Contract, bool]:
    """Record a contract signed for ``lead``; return it and whether it was created now.

    The lead becomes ``contracted`` (recorded as a transition) and the contract links
    the company's client: the one its earlier contracts made, or a new external client
    (``client_of_company``). A retry with the same number for the same lead returns the
    contract already recorded and writes nothing. Raises ``PermissionDenied`` or
    ``ValidationError`` (``lead`` when it is not decided interesting, or is lost;
    ``number`` when another contract has it); nothing changes then.
    """
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead.pk).first()
        if lead is None:
            # Merged into another lead meanwhile.
            raise ValidationError({"lead": [_("The lead no longer exists.")]})
        if not lead_can_sign(lead=lead, user=user):
            raise PermissionDenied(_("You may not sign contracts for this lead."))
        existing = Contract.objects.filter(number=data.get("number")).first()
        if existing is not None:
            if existing.lead_id == lead.pk:
                return existing, False
            raise ValidationError({"number": _("Another contract has this number.")})
        if lead.stage not in SIGNABLE_STAGES:
            raise ValidationError(
                {
                    "lead": _("Only a lead decided interesting can sign; this one is %(stage)s.")
                    % {"stage": lead.get_stage_display()}
                }
            )
        company_lock(lead=lead)
        client = client_of_company(lead=lead) or _client_create_for(lead=lead, user=user)
        contract = Contract(
            lead=lead,
            client=client,
            salesperson_id=lead.owner_id or user.pk,
            signed_by=user,
            **{key: data[key] for key in _CONTRACT_FIELDS if key in data},
        )
        contract.exchange_rate = _exchange_rate(contract, data.get("exchange_rate"))
        contract.base_value = (Decimal(contract.value or 0) * contract.exchange_rate).quantize(
            Decimal("0.01")
        )
        contract.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                contract.save()
        except IntegrityError:
            # Another contract took the number meanwhile, for another lead.
            raise ValidationError({"number": _("Another contract has this number.")}) from None
        _clauses_add(contract=contract, clauses=clauses)
        lead_transition(
            lead=lead,
            change=LeadChange.CONTRACTED,
            user=user,
            stage=LeadStage.CONTRACTED,
            note=_("Contract %(number)s") % {"number": contract.number},
        )
    return contract, True


def _exchange_rate(contract: Contract, given) -> Decimal:
    """1 for the company's own currency; a contract in another currency must state its rate."""
    if contract.currency == settings.PORTRAIT_CRM["CURRENCY"]:
        if given is not None and Decimal(given) != 1:
            raise ValidationError(
                {"exchange_rate": _("A contract in our base currency has the rate 1.")}
            )
        return Decimal(1)
    if given is None:
        raise ValidationError(
            {
                "exchange_rate": _(
                    "A contract in %(currency)s needs its exchange rate to %(base)s."
                )
                % {"currency": contract.currency, "base": settings.PORTRAIT_CRM["CURRENCY"]}
            }
        )
    return Decimal(given)


def _client_create_for(*, lead: Lead, user) -> Client:
    """A new external client for the company of ``lead``, with its contact details."""
    client = Client(
        kind=ClientKind.EXTERNAL,
        name=lead.company_name or str(lead),
        owner_id=lead.owner_id or user.pk,
    )
    client.full_clean()
    client.save()
    if lead.email or lead.phone:
        ClientContact.objects.create(
            client=client,
            name=lead.company_name or lead.email or lead.phone,
            email=lead.email or "",
            phone=lead.phone or "",
        )
    return client


def _clauses_add(*, contract: Contract, clauses: Iterable[Mapping[str, str]]) -> None:
    rows, errors, seen = [], {}, set()
    for index, item in enumerate(clauses):
        clause = ContractClause(
            contract=contract, ref=item.get("ref", ""), text=item.get("text", "")
        )
        try:
            clause.full_clean(exclude=["contract"], validate_constraints=False)
            if clause.ref in seen:
                raise ValidationError({"ref": _("This reference appears twice.")})
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"clauses[{index}].{field}"] = messages
        seen.add(clause.ref)
        rows.append(clause)
    if errors:
        raise ValidationError(errors)
    ContractClause.objects.bulk_create(rows)
