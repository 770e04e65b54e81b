"""Stage 2's demo for ``make run``: departments, clients of every kind, contracts, losses,
negotiations — so the dashboard's conversion, actuals and coverage come from contracts —
and the service rules in force with months of feedback, answered on time or late, some
overdue and escalated now, and delays put off more than once, so the reports show figures.

Runs after ``load_demo_data`` (its users, portrait and decided leads) and is idempotent:
each part loads once (feedback is keyed by its demo source and external id).
"""

import datetime
import itertools
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import demo
from crm.choices import (
    ClientKind,
    FeedbackKind,
    FeedbackStatus,
    NegotiationEntryKind,
    NegotiationParty,
)
from crm.clients.services import client_create, department_create
from crm.contracts.services import contract_sign
from crm.feedback.delays import delay_record
from crm.feedback.selectors import feedback_overdue
from crm.feedback.services import (
    feedback_acknowledge,
    feedback_overdue_escalate,
    feedback_record,
    feedback_resolve,
)
from crm.models import Client, Contract, Delay, Department, Escalation, Feedback, Negotiation
from crm.negotiations.alerts import negotiations_overdue_alert
from crm.negotiations.services import (
    negotiation_close,
    negotiation_entry_add,
    negotiation_open,
)
from crm.rules.selectors import service_calendar, service_rules_in_force
from crm.rules.services import (
    service_rules_acknowledge,
    service_rules_create,
    service_rules_publish,
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
    (ClientKind.PARTNER, "נגב אנליטיקס", "Asia/Jerusalem", "he"),
]
FEEDBACK_ITEMS = 84
FEEDBACK_SOURCE = "demo"
#: The first few still wait for a first response, their deadline passed: escalated.
WAITING_ITEMS = 3
#: The items after them arrived in the last three days.
RECENT_ITEMS = 16
#: The demo's history fills the reports' six months, this one included.
HISTORY_MONTHS = 6
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
        manager, admin = users["demo-manager"], users["demo-admin"]
        if Contract.objects.exists():
            self.stdout.write(_("Stage 2's clients and contracts are loaded already."))
        else:
            self._clients_and_contracts(admin=admin, manager=manager)
        rules = self._service_rules(admin=admin, manager=manager)
        self._feedback(users=users, rules=rules)
        self._negotiation_from_feedback(manager=manager)
        self._delays(users=users)
        # The beat escalates items past a deadline every minute; the demo does it now.
        feedback_overdue_escalate()
        self.stdout.write(
            _(
                "Service rules v%(version)s in force; feedback: %(feedback)s items, %(open)s "
                "waiting, %(overdue)s past a deadline, %(escalated)s escalations; %(delays)s "
                "delays told."
            )
            % {
                "version": rules.version,
                "feedback": Feedback.objects.count(),
                "open": Feedback.objects.exclude(status=FeedbackStatus.RESOLVED).count(),
                "overdue": feedback_overdue(Feedback.objects.all()).count(),
                "escalated": Escalation.objects.count(),
                "delays": Delay.objects.count(),
            }
        )

    def _clients_and_contracts(self, *, admin, manager) -> None:
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
                deadline=now + datetime.timedelta(days=10),
            )
            if index == 2:
                # Opened weeks ago, it has passed its deadline since.
                Negotiation.objects.filter(pk=negotiation.pk).update(
                    deadline=now - datetime.timedelta(days=2)
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

    def _service_rules(self, *, admin, manager):
        """The rules in force: published once, acknowledged by the manager and the admin (the
        admin lists everyone else as still to read them)."""
        rules = service_rules_in_force()
        if rules is None:
            draft = service_rules_create(user=admin, data=demo.rules(timezone.localdate()))
            rules = service_rules_publish(rules=draft, user=admin)
        for user in (admin, manager):
            service_rules_acknowledge(rules=rules, user=user)
        return rules

    def _feedback(self, *, users: dict, rules) -> None:
        """Six months of feedback from every channel and department, in each client's
        language; answered on time more often as the months go by, some answered late;
        a few wait past their first response's deadline, and of the last three days' some
        still wait. Every third client has said nothing for weeks: the reports flag those
        out of touch."""
        if Feedback.objects.filter(source=FEEDBACK_SOURCE).exists():
            return  # loaded before: drawn again, an item would name another client
        rng = random.Random(17)
        clients = list(Client.objects.select_related("owner").order_by("id"))
        quiet = set(clients[::3])
        departments = list(Department.objects.order_by("name"))
        takers = [users[name] for name in ("demo-tech", "demo-sales", "demo-manager")]
        calendar = service_calendar(rules)
        now = timezone.now()
        history = (now.date() - _months_back(timezone.localdate(now), HISTORY_MONTHS - 1)).days
        talkative = [client for client in clients if client not in quiet]
        for number in range(FEEDBACK_ITEMS):
            if number < WAITING_ITEMS:
                # Waiting since more service time than any first response may take.
                client, days_ago = rng.choice(talkative), 0
                received_at = _service_time_ago(calendar, now, minutes=rng.randint(300, 900))
            else:
                client = rng.choice(clients)
                if number < RECENT_ITEMS and client not in quiet:
                    days_ago = rng.uniform(0.1, 3)
                else:
                    days_ago = rng.uniform(45 if client in quiet else 3, history)
                received_at = _office_hours(now - datetime.timedelta(days=days_ago), rng, now)
            kind = _weighted(rng, demo.KINDS)
            feedback, created = feedback_record(
                user=rng.choice(takers),
                data={
                    "client": client,
                    "channel": _weighted(rng, demo.CHANNELS),
                    "kind": kind,
                    "rating": _rating(rng, kind),
                    "severity": "urgent"
                    if rng.random() < (0.35 if kind == FeedbackKind.COMPLAINT else 0.08)
                    else "normal",
                    "text": _text(rng, kind, client.language),
                    "received_at": received_at,
                    "department": rng.choice(departments),
                    "source": FEEDBACK_SOURCE,
                    "external_id": f"demo-{number}",
                },
            )
            if not created or number < WAITING_ITEMS:
                continue
            answered = rng.random()
            if days_ago < 3 and answered < 0.45:
                continue  # still waiting for its first response
            resolves = not ((days_ago < 3 and answered < 0.7) or (days_ago < 20 and answered < 0.1))
            self._answer(
                feedback,
                client.owner or users["demo-manager"],
                calendar,
                rng,
                now,
                late_share=0.1 + 0.3 * days_ago / history,
                resolves=resolves,
            )

    @staticmethod
    def _answer(feedback, user, calendar, rng, now, *, late_share: float, resolves: bool) -> None:
        """The first response and the resolution, each on time or late by a drawn share of
        its target; none if that moment is still to come."""
        if feedback.response_due is None:
            return

        def when(due):
            target = calendar.open_minutes(feedback.received_at, due)
            late = rng.random() < late_share
            share = rng.uniform(1.1, 2.5) if late else rng.uniform(0.1, 0.95)
            return calendar.deadline(feedback.received_at, max(1, round(target * share)))

        responded = when(feedback.response_due)
        if responded > now:
            return
        feedback = feedback_acknowledge(feedback=feedback, user=user, at=responded)
        resolved = max(when(feedback.resolution_due), responded)
        if resolves and resolved <= now:
            feedback_resolve(feedback=feedback, user=user, at=resolved)

    def _negotiation_from_feedback(self, *, manager) -> None:
        """A complaint that needs a hard conversation: the negotiation links back to it."""
        if Negotiation.objects.filter(feedback__isnull=False).exists():
            return
        complaint = (
            Feedback.objects.filter(kind=FeedbackKind.COMPLAINT, client__contracts__isnull=False)
            .select_related("client")
            .order_by("-received_at")
            .first()
        )
        if complaint is None:
            return
        negotiation = negotiation_open(
            user=manager,
            client=complaint.client,
            question=_("How do we make up for the repeated mistake?"),
            deadline=timezone.now() + datetime.timedelta(days=7),
            contract=complaint.client.contracts.order_by("id").first(),
            feedback=complaint,
        )
        negotiation_entry_add(
            negotiation=negotiation,
            user=manager,
            party=NegotiationParty.OURS,
            kind=NegotiationEntryKind.PROPOSAL,
            text=_("A month of support free of charge and a named contact in accounting."),
        )

    def _delays(self, *, users: dict) -> None:
        """Delays the departments told, one of them put off three times."""
        today = timezone.localdate()
        external = list(Client.objects.filter(kind=ClientKind.EXTERNAL).order_by("id")[:2])
        internal = Client.objects.filter(kind=ClientKind.INTERNAL, name="Accounting").first()
        for (reference, department, what, offsets), client in zip(
            demo.DELAYS, [*external, internal], strict=False
        ):
            if client is None or Delay.objects.filter(reference=reference).exists():
                continue
            recorder = users["demo-tech"] if department == "IT" else users["demo-manager"]
            for offset in offsets:
                delay_record(
                    user=recorder,
                    data={
                        "client": client,
                        "department": Department.objects.get(name=department),
                        "reference": reference,
                        "what": what,
                        "new_date": today + datetime.timedelta(days=offset),
                    },
                )


def _weighted(rng, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _rating(rng, kind: str) -> int | None:
    if kind == FeedbackKind.PRAISE:
        return rng.choice([4, 5, 5])
    if kind == FeedbackKind.COMPLAINT:
        return rng.choice([1, 2, 2, 3, None])
    return rng.choice([3, 4, 4, 5, None, None])


def _text(rng, kind: str, language: str) -> str:
    texts = demo.TEXTS[kind]
    return rng.choice(texts.get(language) or texts["en"])


def _months_back(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` before ``today``'s."""
    month_index = today.year * 12 + today.month - 1 - months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


def _service_time_ago(calendar, now, *, minutes: int):
    """The instant ``minutes`` open minutes before ``now`` (to the minute)."""
    start = now - datetime.timedelta(minutes=minutes)
    while calendar.open_minutes(start, now) < minutes:
        start -= datetime.timedelta(hours=1)
    return start.replace(second=0, microsecond=0)


def _office_hours(moment, rng, now):
    """``moment``'s day in Kyiv at a time between 8:00 and 19:59, not after ``now``."""
    zone = ZoneInfo("Europe/Kyiv")
    local = moment.astimezone(zone).replace(
        hour=rng.randint(8, 19), minute=rng.randrange(60), second=0, microsecond=0
    )
    return min(local, now - datetime.timedelta(minutes=5))
