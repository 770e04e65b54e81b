"""Stage 2's demo for ``make run``: departments, clients of every kind, contracts, losses,
negotiations — so the dashboard's conversion, actuals and coverage come from contracts.

Runs after ``load_demo_data`` (its users, portrait and decided leads) and is idempotent.
"""

import datetime
import itertools
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.choices import ClientKind, NegotiationEntryKind, NegotiationParty
from crm.clients.services import client_create, department_create
from crm.contracts.services import contract_sign
from crm.models import Client, Contract, Department
from crm.negotiations.alerts import negotiations_overdue_alert
from crm.negotiations.services import (
    negotiation_close,
    negotiation_entry_add,
    negotiation_open,
)
from qualification.choices import LeadStage
from qualification.funnel.alerts import alerts_check
from qualification.leads.loss import lead_lose
from qualification.models import Lead, RejectionReason

DEPARTMENTS = ["Warehouse", "Logistics", "Accounting", "Production", "Quality", "IT"]
OTHER_CLIENTS = [
    (ClientKind.PARTNER, "Baltic Integrators", "Europe/Vilnius", "en"),
    (ClientKind.SUPPLIER, "Karpaty Hardware", "Europe/Kyiv", "uk"),
    (ClientKind.INFLUENCER, "Digital Ukraine Podcast", "Europe/Kyiv", "uk"),
    (ClientKind.PARTNER, "Wisła Cloud", "Europe/Warsaw", "pl"),
]
CLAUSES = [
    {"ref": "2.1", "text": "Scope: the modules listed in the specification."},
    {"ref": "4.2", "text": "Delivery within 10 working days of each order."},
    {"ref": "7.1", "text": "Support answers within 4 service hours."},
]


class Command(BaseCommand):
    help = _("Load stage 2's demo: clients of every kind, contracts, losses, negotiations.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help=_("Run even when DEBUG is off."))

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("Demo data has known passwords: run it only with DEBUG on."))
        users = {
            user.username: user
            for user in get_user_model().objects.filter(username__startswith="demo-")
        }
        if "demo-manager" not in users:
            raise CommandError(_("Run load_demo_data first."))
        if Contract.objects.exists():
            self.stdout.write(_("Stage 2's demo is loaded already."))
            return
        manager, admin = users["demo-manager"], users["demo-admin"]
        self._departments_and_internal_clients(admin=admin, manager=manager)
        self._other_clients(manager=manager)
        contracts = self._contracts(manager=manager)
        lost = self._losses(manager=manager)
        self._negotiations(contracts=contracts, manager=manager)
        # The guards, checked now rather than at the hourly beat, so the dashboard shows
        # the alerts the demo's figures raise.
        alerts_check()
        negotiations_overdue_alert()
        self.stdout.write(
            _("Stage 2 loaded: clients %(clients)s, contracts %(contracts)s, lost leads %(lost)s.")
            % {
                "clients": Client.objects.count(),
                "contracts": Contract.objects.count(),
                "lost": lost,
            }
        )

    def _departments_and_internal_clients(self, *, admin, manager) -> None:
        for name in DEPARTMENTS:
            department = Department.objects.filter(name=name).first() or department_create(
                user=admin, data={"name": name}
            )
            if name in ("Logistics", "Accounting"):
                client_create(
                    user=manager,
                    data={
                        "kind": ClientKind.INTERNAL,
                        "name": name,
                        "department": department,
                        "preferred_channels": ["messenger", "email"],
                        "time_zone": "Europe/Kyiv",
                        "language": "uk",
                    },
                )

    def _other_clients(self, *, manager) -> None:
        for kind, name, zone, language in OTHER_CLIENTS:
            client_create(
                user=manager,
                data={
                    "kind": kind,
                    "name": name,
                    "time_zone": zone,
                    "language": language,
                    "preferred_channels": ["email", "phone"],
                },
                contacts=[
                    {
                        "name": _("Account manager"),
                        "email": "hello@example.com",
                        "language": language,
                    }
                ],
            )

    def _contracts(self, *, manager) -> list[Contract]:
        """Every third qualified lead signs, spread over the last months."""
        qualified = Lead.objects.filter(stage=LeadStage.QUALIFIED).order_by("id")
        today = timezone.localdate()
        contracts = []
        for index, lead in enumerate(itertools.islice(qualified.iterator(), 0, None, 3)):
            contract, _created = contract_sign(
                lead=lead,
                user=manager,
                data={
                    "number": f"DEMO-{lead.pk}",
                    "signed_on": today - datetime.timedelta(days=7 * index),
                    "value": Decimal(60000 + 15000 * (index % 5)),
                    "currency": settings.PORTRAIT_CRM["CURRENCY"],
                    "term_months": 12,
                },
                clauses=CLAUSES,
            )
            contracts.append(contract)
        return contracts

    def _losses(self, *, manager) -> int:
        """Two of the leads left qualified will not sign."""
        reason = RejectionReason.objects.get(code="no_budget")
        lost = 0
        for lead in Lead.objects.filter(stage=LeadStage.QUALIFIED).order_by("-id")[:2]:
            lead_lose(lead=lead, user=manager, reason_code=reason, reason=_("Demo loss."))
            lost += 1
        return lost

    def _negotiations(self, *, contracts: list[Contract], manager) -> None:
        """An agreed one, an open one and one past its deadline."""
        now = timezone.now()
        for index, contract in enumerate(contracts[:3]):
            negotiation = negotiation_open(
                user=manager,
                client=contract.client,
                contract=contract,
                clause_ref="4.2",
                question=_("Can delivery take 20 days in winter?"),
                deadline=now + datetime.timedelta(days=(-2 if index == 2 else 10)),
            )
            negotiation_entry_add(
                negotiation=negotiation,
                user=manager,
                party=NegotiationParty.CLIENT,
                kind=NegotiationEntryKind.POSITION,
                text=_("Roads close in January; 10 days cannot be kept."),
            )
            negotiation_entry_add(
                negotiation=negotiation,
                user=manager,
                party=NegotiationParty.OURS,
                kind=NegotiationEntryKind.PROPOSAL,
                text=_("15 days from December to February, 10 days otherwise."),
            )
            if index == 0:
                negotiation_close(
                    negotiation=negotiation,
                    user=manager,
                    outcome="agreed",
                    agreement=_("15 working days from December to February."),
                )
