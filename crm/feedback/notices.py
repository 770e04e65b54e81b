"""E-mails of stage 2: escalations to the owner and their managers, delays to the client,
each in the language its reader reads.

Each goes out once: the row is locked and stamped when sent, so a task run twice (a
worker killed after sending, a re-dispatch) sends nothing the second time.
"""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.employees.selectors import employee_language
from crm.models import Delay, Escalation
from portrait import roles


class Recipient(NamedTuple):
    address: str
    language: str


def escalation_recipients(escalation: Escalation) -> list[Recipient]:
    """The client's account owner and the active sales managers, by address, each with the
    language they read. An address is written to once; the account owner's language wins.
    """
    managers = (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_MANAGERS, is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
        .select_related("employee_profile")
    )
    owner = escalation.client.owner
    people = [owner] if owner is not None and owner.is_active and owner.email else []
    languages: dict[str, str] = {}
    for person in [*people, *managers]:
        languages.setdefault(person.email, employee_language(person))
    return [Recipient(address, languages[address]) for address in sorted(languages)]


def escalation_mail(*, escalation_id: int) -> bool:
    """E-mail an escalation once, to each recipient in their language; return whether it
    was sent now.
    """
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("client", "client__owner__employee_profile", "feedback", "delay")
            .get(pk=escalation_id)
        )
        if escalation.mailed_at is not None:
            return False
        messages = [
            _escalation_message(escalation, recipient)
            for recipient in escalation_recipients(escalation)
        ]
        if messages:
            # One connection for all: each recipient reads a message in their own language.
            get_connection().send_messages(messages)
        escalation.mailed_at = timezone.now()
        escalation.save(update_fields=["mailed_at"])
    return bool(messages)


def _escalation_message(escalation: Escalation, recipient: Recipient) -> EmailMessage:
    with translation.override(recipient.language):
        context = {"client": escalation.client, "reason": escalation.get_reason_display()}
        lines = [_("%(reason)s — %(client)s:") % context, ""]
        if escalation.feedback_id:
            feedback = escalation.feedback
            lines.append(feedback.text)
            lines.append("")
            channel = _("Channel")
            lines.append(f"{channel}: {feedback.get_channel_display()}")
            if feedback.rating is not None:
                lines.append(_("Rating: %(rating)s of 5") % {"rating": feedback.rating})
        else:
            delay = escalation.delay
            lines.append(delay.what)
            lines.append("")
            lines.append(
                _("%(reference)s: new date %(date)s (postponement %(number)s)")
                % {
                    "reference": delay.reference,
                    "date": delay.new_date.isoformat(),
                    "number": delay.postponement,
                }
            )
        return EmailMessage(
            subject=_("Bad news from %(client)s: %(reason)s") % context,
            body="\n".join(lines),
            to=[recipient.address],
            headers={"Content-Language": recipient.language},
        )


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
        delay.client_told_at, delay.contacts_told = timezone.now(), sent
        delay.save(update_fields=["client_told_at", "contacts_told"])
    return sent
