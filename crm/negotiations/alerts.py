"""A negotiation past its deadline without an outcome: its owner's managers are told once."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from config.background import enqueue_on_commit
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


def negotiations_overdue_alert() -> int:
    """Mark every newly overdue negotiation alerted and send its alert after commit.

    The conditional UPDATE claims each negotiation once, however many checkers run.
    """
    now = timezone.now()
    with transaction.atomic():
        due = list(
            negotiations_overdue()
            .filter(overdue_alerted_at__isnull=True)
            .values_list("pk", flat=True)
        )
        claimed = []
        for negotiation_id in due:
            if Negotiation.objects.filter(
                pk=negotiation_id, overdue_alerted_at__isnull=True
            ).update(overdue_alerted_at=now):
                claimed.append(negotiation_id)
                enqueue_on_commit(SEND_TASK, negotiation_id)
    return len(claimed)


def negotiation_overdue_recipients() -> list[str]:
    """The active sales managers' addresses: the managers of every account owner."""
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_MANAGERS, is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
    )
    return sorted(set(users.values_list("email", flat=True)))


def negotiation_overdue_send(*, negotiation: Negotiation) -> bool:
    """E-mail the managers that ``negotiation`` passed its deadline without an outcome."""
    recipients = negotiation_overdue_recipients()
    if not recipients or not negotiation.is_open:
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
    return True
