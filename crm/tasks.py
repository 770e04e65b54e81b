"""Celery tasks of stage 2: each takes ids and calls one service."""

from celery import shared_task

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
