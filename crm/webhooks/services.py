"""Bad news pushed to other systems: one delivery per event and endpoint, tried until the
receiver takes it or a day has passed, every attempt recorded.

The delivery rows are the queue. They are written in the transaction that raises the
escalation, so they exist exactly when the escalation does; any worker sends a due row
after claiming it with one conditional UPDATE, so neither a lost broker message nor a
killed worker loses a delivery, and no two workers send one at the same time.
"""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.choices import WebhookDeliveryState, WebhookEventType
from crm.models import Escalation, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from crm.webhooks import transport
from crm.webhooks.backoff import RetrySchedule
from crm.webhooks.payloads import escalation_payload, payload_body
from crm.webhooks.signing import webhook_headers, webhook_id_new, webhook_secret_new

#: A claimed delivery is not due again for this long: the attempt's time to finish. One
#: attempt takes at most a connect and a few reads of WEBHOOK_TIMEOUT_SECONDS each; if
#: the worker dies meanwhile, the delivery is due again when the claim runs out.
CLAIM = datetime.timedelta(minutes=5)
USER_AGENT = "PortraitCRM-Webhooks/1"


def retry_schedule() -> RetrySchedule:
    """The backoff the settings ask for."""
    config = settings.PORTRAIT_CRM
    return RetrySchedule(
        base=datetime.timedelta(seconds=config["WEBHOOK_RETRY_BASE_SECONDS"]),
        cap=datetime.timedelta(seconds=config["WEBHOOK_RETRY_MAX_SECONDS"]),
        window=datetime.timedelta(seconds=config["WEBHOOK_RETRY_FOR_SECONDS"]),
    )


def webhook_deliveries_create(*, escalation: Escalation) -> list[WebhookDelivery]:
    """Queue an escalation's event for every active endpoint that subscribes to it.

    Call it in the transaction that raises the escalation. Every endpoint gets the same
    message: one ``webhook-id`` and one body, fixed now.
    """
    event_type = WebhookEventType.ESCALATION_RAISED
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return []
    body = payload_body(escalation_payload(escalation))
    webhook_id = webhook_id_new()
    now = timezone.now()
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            escalation=escalation,
            event_type=event_type,
            webhook_id=webhook_id,
            body=body,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send a delivery if it is due and nobody else is sending it; record the attempt and
    schedule the next one, or finish it.

    Returns the delivery as the attempt left it; ``None`` when it was not this call's to
    send (not due, finished, or claimed by another worker).
    """
    now = timezone.now()
    # The claim: of workers that read the same due row, only the first UPDATE matches it.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=WebhookDeliveryState.PENDING, next_attempt_at__lte=now
    ).update(
        next_attempt_at=now + CLAIM,
        attempt_count=F("attempt_count") + 1,
        first_attempted_at=Coalesce("first_attempted_at", Value(now)),
        last_attempted_at=now,
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _delivery_finish(delivery, state=WebhookDeliveryState.CANCELLED)
    headers = {
        **webhook_headers(
            secret=endpoint.secret, webhook_id=delivery.webhook_id, body=delivery.body, at=now
        ),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    attempt = WebhookAttempt(delivery=delivery, number=delivery.attempt_count, attempted_at=now)
    started = time.monotonic()
    try:
        answer = transport.post(
            endpoint.url,
            body=delivery.body.encode(),
            headers=headers,
            timeout=settings.PORTRAIT_CRM["WEBHOOK_TIMEOUT_SECONDS"],
        )
    except transport.TransportError as error:
        attempt.error = str(error)
    else:
        attempt.status_code, attempt.response = answer.status_code, answer.text
        if 300 <= answer.status_code < 400:
            attempt.error = f"redirect not followed (Location: {answer.location})"
    attempt.duration_ms = round((time.monotonic() - started) * 1000)
    with transaction.atomic():
        attempt.save()
        if attempt.is_success:
            return _delivery_finish(
                delivery, state=WebhookDeliveryState.DELIVERED, delivered_at=timezone.now()
            )
        retry_at = retry_schedule().next_attempt_at(
            first_attempted_at=delivery.first_attempted_at,
            attempted_at=now,
            attempt=delivery.attempt_count,
        )
        if retry_at is None:
            return _delivery_finish(delivery, state=WebhookDeliveryState.FAILED)
        return _delivery_update(delivery, next_attempt_at=retry_at)


def _delivery_finish(delivery: WebhookDelivery, **changes) -> WebhookDelivery:
    return _delivery_update(delivery, next_attempt_at=None, **changes)


def _delivery_update(delivery: WebhookDelivery, **changes) -> WebhookDelivery:
    # Only while the claim is still this attempt's: past it, a later attempt owns the row.
    WebhookDelivery.objects.filter(pk=delivery.pk, attempt_count=delivery.attempt_count).update(
        **changes
    )
    for field, value in changes.items():
        setattr(delivery, field, value)
    return delivery


def webhook_deliveries_send_due(*, limit: int = 100, seconds: float | None = None) -> int:
    """Send the deliveries that are due, oldest due first; return how many this call sent.

    Any number of workers may run it at once: each delivery goes to the one that claims it.
    ``seconds`` stops claiming more once a run has taken that long (slow receivers), so
    runs do not pile up behind each other.
    """
    started = time.monotonic()
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDeliveryState.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for delivery_id in due:
        if seconds is not None and time.monotonic() - started > seconds:
            break
        if webhook_delivery_attempt(delivery_id=delivery_id) is not None:
            sent += 1
    return sent


def webhook_endpoint_secret_rotate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give an endpoint a new signing secret (the old one leaked, or is due for a change).

    Pending deliveries are signed with the new one from their next attempt on.
    """
    endpoint.secret = webhook_secret_new()
    endpoint.save(update_fields=["secret"])
    return endpoint
