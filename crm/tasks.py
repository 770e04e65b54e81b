"""Celery tasks of stage 2: each takes ids and calls one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from crm.choices import WebhookDeliveryState
from crm.feedback.notices import delay_notice_send, escalation_mail
from crm.feedback.services import feedback_overdue_escalate
from crm.models import Negotiation
from crm.negotiations.alerts import negotiation_overdue_send, negotiations_overdue_alert
from crm.webhooks.services import webhook_deliveries_send_due, webhook_delivery_attempt

#: A retry due within this many seconds is also sent to the broker with a countdown, so
#: short waits stay short; later ones are the due-sender's. Redis hands an unacknowledged
#: message to another worker after an hour (its visibility timeout): keep well below.
WEBHOOK_RETRY_HINT_SECONDS = 600


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


@shared_task(bind=True, acks_late=True)
def webhook_delivery_send_task(self, delivery_id: int) -> str | None:
    """Send one webhook delivery if it is due; come back for its next attempt if that is soon.

    The delivery row, not this message, is what guarantees the attempt: the beat's
    due-sender sends it whenever a message is lost or a worker dies.
    """
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.state == WebhookDeliveryState.PENDING and not self.app.conf.task_always_eager:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        if wait <= WEBHOOK_RETRY_HINT_SECONDS:
            # A moment past due, so the claim finds the row due.
            self.apply_async((delivery_id,), countdown=max(wait, 0) + 0.5)
    return delivery.state


@shared_task(acks_late=True)
def webhook_deliveries_send_due_task() -> int:
    """Periodic: send every webhook delivery that is due (first tries and retries)."""
    return webhook_deliveries_send_due(seconds=settings.WEBHOOK_SEND_INTERVAL_SECONDS)
