"""A negotiation past its deadline without an outcome: its owner's managers are told once."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.background import enqueue_again_on_commit
from crm.models import Negotiation
from portrait import roles

SEND_TASK = "crm.tasks.negotiation_overdue_send_task"


def negotiations_overdue() -> QuerySet[Negotiation]:
    """Open negotiations past their deadline, the longest overdue first."""
    return (
        Negotiation.objects.filter(outcome="", deadline__lt=timezone.now())
        .select_related("client", "client__owner")
        .order_by("deadline", "id")
    )


def negotiations_overdue_alert(*, stalled_before=None) -> int:
    """Ask to mail the managers about each overdue negotiation not yet alerted; return how many.

    The send marks the negotiation alerted under its row lock, so the managers are
    told once however many checks ask. A send asked for and never done (its message
    lost with the broker's data) is asked for again once it is older than
    ``stalled_before`` (default: ``BACKGROUND_STALL_SECONDS`` ago). Nothing is asked
    while no manager has an address to send to.
    """
    if not negotiation_overdue_recipients():
        return 0
    if stalled_before is None:
        stalled_before = timezone.now() - timedelta(seconds=settings.BACKGROUND_STALL_SECONDS)
    due = negotiations_overdue().filter(overdue_alerted_at__isnull=True)
    with transaction.atomic():
        return sum(
            enqueue_again_on_commit(SEND_TASK, negotiation_id, unless_since=stalled_before)
            for negotiation_id in due.values_list("pk", flat=True)
        )


def negotiation_overdue_recipients() -> list[str]:
    """The active sales managers' addresses: the managers of every account owner."""
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_MANAGERS, is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
    )
    return sorted(set(users.values_list("email", flat=True)))


def negotiation_overdue_send(*, negotiation: Negotiation) -> bool:
    """E-mail the managers, once, that ``negotiation`` passed its deadline without an outcome.

    Sent under the negotiation's row lock and marked alerted in the same transaction:
    another message for it (a retry, a redelivery, a second check) sends nothing.
    Returns whether it was sent now.
    """
    with transaction.atomic():
        negotiation = (
            Negotiation.objects.select_for_update(of=("self",))
            .select_related("client", "client__owner")
            .get(pk=negotiation.pk)
        )
        if negotiation.overdue_alerted_at is not None or not negotiation.is_overdue:
            return False
        recipients = negotiation_overdue_recipients()
        if not recipients:
            return False
        owner = negotiation.client.owner
        send_mail(
            subject=_("Negotiation overdue: %(client)s") % {"client": negotiation.client},
            message=_(
                "The negotiation with %(client)s on “%(question)s” passed its deadline "
                "(%(deadline)s) without an outcome. Account owner: %(owner)s."
            )
            % {
                "client": negotiation.client,
                "question": negotiation.question,
                "deadline": negotiation.deadline.isoformat(timespec="minutes"),
                "owner": owner or _("nobody"),
            },
            from_email=None,
            recipient_list=recipients,
        )
        negotiation.overdue_alerted_at = timezone.now()
        negotiation.save(update_fields=["overdue_alerted_at"])
    return True
