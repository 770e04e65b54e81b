"""Celery tasks of stage 2: each takes ids and calls one service."""

from celery import shared_task

from crm.feedback.notices import delay_notice_send, escalation_mail
from crm.feedback.services import feedback_overdue_escalate
from crm.models import Negotiation
from crm.negotiations.alerts import negotiation_overdue_send, negotiations_overdue_alert


@shared_task(acks_late=True)
def negotiations_overdue_check_task() -> int:
    """Periodic: alert the managers of negotiations past their deadline."""
    return negotiations_overdue_alert()


@shared_task(acks_late=True)
def negotiation_overdue_send_task(negotiation_id: int) -> bool:
    """E-mail one overdue negotiation's alert."""
    found = Negotiation.objects.select_related("client__owner").filter(pk=negotiation_id).first()
    return negotiation_overdue_send(negotiation=found) if found else False


@shared_task(acks_late=True)
def escalation_deliver_task(escalation_id: int) -> bool:
    """Deliver one escalation: the e-mail to the owner and the managers."""
    return escalation_mail(escalation_id=escalation_id)


@shared_task(acks_late=True)
def delay_notice_send_task(delay_id: int) -> int:
    """Tell the client's contacts about one delay."""
    return delay_notice_send(delay_id=delay_id)


@shared_task(acks_late=True)
def feedback_overdue_check_task() -> int:
    """Periodic: escalate the feedback that passed a deadline unanswered."""
    return feedback_overdue_escalate()
