"""E-mails of stage 2: escalations to the owner and their managers, delays to the client.

Each goes out once: the row is locked and stamped when sent, so a task run twice (a
worker killed after sending, a re-dispatch) sends nothing the second time.
"""

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Delay, Escalation
from portrait import roles


def escalation_recipients(escalation: Escalation) -> list[str]:
    """The client's account owner and the active sales managers, by address."""
    managers = get_user_model().objects.filter(groups__name=roles.SALES_MANAGERS, is_active=True)
    owner = escalation.client.owner
    addresses = set(
        managers.exclude(Q(email="") | Q(email__isnull=True)).values_list("email", flat=True)
    )
    if owner is not None and owner.is_active and owner.email:
        addresses.add(owner.email)
    return sorted(addresses)


def escalation_mail(*, escalation_id: int) -> bool:
    """E-mail an escalation once; return whether it was sent now."""
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("client", "client__owner", "feedback", "delay")
            .get(pk=escalation_id)
        )
        if escalation.mailed_at is not None:
            return False
        recipients = escalation_recipients(escalation)
        if recipients:
            about = escalation.feedback.text if escalation.feedback_id else escalation.delay.what
            send_mail(
                subject=_("Bad news from %(client)s: %(reason)s")
                % {"client": escalation.client, "reason": escalation.get_reason_display()},
                message=_("%(reason)s — %(client)s:\n\n%(about)s")
                % {
                    "reason": escalation.get_reason_display(),
                    "client": escalation.client,
                    "about": about,
                },
                from_email=None,
                recipient_list=recipients,
            )
        escalation.mailed_at = timezone.now()
        escalation.save(update_fields=["mailed_at"])
    return bool(recipients)


def delay_notice_send(*, delay_id: int) -> int:
    """Tell each contact of the client about the delay, in their language; once."""
    with transaction.atomic():
        delay = (
            Delay.objects.select_for_update(of=("self",)).select_related("client").get(pk=delay_id)
        )
        if delay.client_told_at is not None:
            return 0
        sent = 0
        for contact in delay.client.contacts.exclude(email=""):
            with translation.override(contact.language):
                send_mail(
                    subject=_("A delay: %(reference)s") % {"reference": delay.reference},
                    message=_(
                        "Dear %(name)s,\n\nwe are sorry: %(what)s (%(reference)s) will be "
                        "ready on %(date)s instead of as agreed."
                    )
                    % {
                        "name": contact.name,
                        "what": delay.what,
                        "reference": delay.reference,
                        "date": delay.new_date.isoformat(),
                    },
                    from_email=None,
                    recipient_list=[contact.email],
                )
            sent += 1
        delay.client_told_at = timezone.now()
        delay.save(update_fields=["client_told_at"])
    return sent
