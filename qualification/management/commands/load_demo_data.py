"""Demo data for ``make run``: users for every role, a published portrait, generated leads."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from portrait import roles
from portrait.demo import PORTRAIT
from portrait.models import Portrait
from portrait.selectors import portrait_get_published
from portrait.services import portrait_create, portrait_publish
from qualification.choices import DecisionVerdict, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.demo_data import generate_leads, to_json
from qualification.funnel.plans import sales_plan_create
from qualification.models import Lead, RejectionReason, SalesPlan
from qualification.sync.upsert import leads_bulk_upsert
from qualification.sync.validation import MAX_ITEMS

# Demo accounts only: the command refuses to run without DEBUG (see handle()).
DEMO_USERS = [
    ("demo-admin", [roles.ADMINS], True),
    ("demo-manager", [roles.SALES_MANAGERS], True),
    ("demo-sales", [roles.SALES], False),
    ("demo-sales-2", [roles.SALES], False),
    ("demo-tech", [roles.TECHNICAL], False),
    ("demo-integration", [roles.INTEGRATIONS], False),
]
DEMO_PASSWORD_SUFFIX = "-Portrait-2026"  # noqa: S105 (demo accounts, DEBUG only)
BATCH = MAX_ITEMS


class Command(BaseCommand):
    help = _("Load demo users, a published portrait and generated leads (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=3000, help=_("How many leads."))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Run even when DEBUG is off (never in production)."),
        )

    def handle(self, *args, leads: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(_("Demo data has known passwords: run it only with DEBUG on."))
        users = self._users()
        admin = users["demo-admin"]
        if portrait_get_published() is None:
            with transaction.atomic():
                portrait = portrait_create(user=admin, data=PORTRAIT)
            portrait_publish(portrait=portrait, user=admin)
            self.stdout.write(
                _("Published the demo portrait (version %(version)s).")
                % {"version": Portrait.objects.get(pk=portrait.pk).version}
            )
        self._leads(count=leads, user=users["demo-integration"])
        self._plan_and_decisions(salespeople=[users["demo-sales"], users["demo-sales-2"]])
        self._print_users(users)

    def _plan_and_decisions(self, *, salespeople: list) -> None:
        """A quarterly plan for the sales team and a first day of decisions."""
        if SalesPlan.objects.exists():
            return
        today = timezone.localdate()
        quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        quarter_end = (quarter_start + datetime.timedelta(days=95)).replace(day=1)
        sales_plan_create(
            data={
                "name": _("Demo quarter"),
                "period_start": quarter_start,
                "period_end": quarter_end - datetime.timedelta(days=1),
                "team": Group.objects.get(name=roles.SALES),
                "target_contracts": 60,
                "target_revenue": Decimal("2400000"),
            }
        )
        no_budget = RejectionReason.objects.get(code="no_budget")
        undecided = Lead.objects.filter(owner__isnull=True, decisions__isnull=True)
        for index, lead in enumerate(
            undecided.filter(suggested_verdict=SuggestedVerdict.INTERESTING).order_by("id")[:30]
        ):
            # The second salesperson overrides the portrait more often than the first.
            salesperson = salespeople[index % 2]
            overrides = index % 2 == 1 and index % 3 == 0
            lead_decide(
                lead=lead,
                user=salesperson,
                verdict=DecisionVerdict.NOT_INTERESTING
                if overrides
                else DecisionVerdict.INTERESTING,
                reason=_("Demo decision."),
                reason_code=no_budget if overrides else None,
            )
        for lead in undecided.filter(suggested_verdict=SuggestedVerdict.NOT_INTERESTING)[:10]:
            lead_decide(
                lead=lead,
                user=salespeople[0],
                verdict=DecisionVerdict.NOT_INTERESTING,
                reason=_("Demo decision."),
            )

    def _users(self) -> dict:
        user_model = get_user_model()
        users = {}
        for username, role_names, is_staff in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.com", "is_staff": is_staff},
            )
            if created:
                user.set_password(username + DEMO_PASSWORD_SUFFIX)
                user.save(update_fields=["password"])
            user.groups.add(*Group.objects.filter(name__in=role_names))
            users[username] = user
        return users

    def _leads(self, *, count: int, user) -> None:
        by_source: dict[str, list[dict]] = {}
        totals = {"created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        for lead in generate_leads(count):
            batch = by_source.setdefault(lead.pop("source"), [])
            batch.append(to_json(lead))
            if len(batch) == BATCH:
                self._push(by_source, totals, user, flush_all=False)
        self._push(by_source, totals, user, flush_all=True)
        self.stdout.write(
            _(
                "Leads: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                "%(errors)s invalid; %(total)s in the database."
            )
            % {**totals, "total": Lead.objects.count()}
        )

    @staticmethod
    def _push(by_source: dict, totals: dict, user, *, flush_all: bool) -> None:
        for source, batch in by_source.items():
            if batch and (flush_all or len(batch) == BATCH):
                report = leads_bulk_upsert(source=source, items=batch, user=user)
                for key in ("created", "updated", "unchanged"):
                    totals[key] += report[key]
                totals["errors"] += len(report["errors"])
                batch.clear()

    def _print_users(self, users: dict) -> None:
        self.stdout.write(_("Demo users (username / password / roles):"))
        for username, role_names, _is_staff in DEMO_USERS:
            self.stdout.write(
                f"  {username:<18} {username + DEMO_PASSWORD_SUFFIX:<32} {', '.join(role_names)}"
            )
        token, _created = Token.objects.get_or_create(user=users["demo-integration"])
        self.stdout.write(_("API token of demo-integration: %(key)s") % {"key": token.key})
