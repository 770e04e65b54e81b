"""What a webhook says: the event as JSON, in the Standard Webhooks envelope.

``{"type": ..., "timestamp": ..., "data": {...}}``. Codes, not labels: machines read
it, in no particular language. The body is rendered once, when the event happens, and
every attempt sends exactly those bytes.
"""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from crm.choices import WebhookEventType


def escalation_payload(escalation) -> dict[str, Any]:
    """An escalation as its ``escalation.raised`` event."""
    client = escalation.client
    owner = client.owner
    feedback = escalation.feedback if escalation.feedback_id else None
    delay = escalation.delay if escalation.delay_id else None
    return {
        "type": WebhookEventType.ESCALATION_RAISED.value,
        "timestamp": escalation.created_at,
        "data": {
            "id": escalation.pk,
            "reason": escalation.reason,
            "raised_at": escalation.created_at,
            "client": {
                "id": client.pk,
                "name": client.name,
                "kind": client.kind,
                "owner": None
                if owner is None
                else {"id": owner.pk, "username": owner.get_username(), "email": owner.email},
            },
            "feedback": None if feedback is None else _feedback(feedback),
            "delay": None if delay is None else _delay(delay),
        },
    }


def _feedback(feedback) -> dict[str, Any]:
    return {
        "id": feedback.pk,
        "kind": feedback.kind,
        "channel": feedback.channel,
        "severity": feedback.severity,
        "rating": feedback.rating,
        "text": feedback.text,
        "status": feedback.status,
        "received_at": feedback.received_at,
        "response_due": feedback.response_due,
        "resolution_due": feedback.resolution_due,
        "source": feedback.source,
        "external_id": feedback.external_id,
    }


def _delay(delay) -> dict[str, Any]:
    return {
        "id": delay.pk,
        "reference": delay.reference,
        "what": delay.what,
        "new_date": delay.new_date,
        "postponement": delay.postponement,
        "department": delay.department.name,
        "recorded_at": delay.recorded_at,
    }


def payload_body(payload: dict[str, Any]) -> str:
    """The JSON text sent: compact, UTF-8, times in ISO 8601 (UTC ends in ``Z``)."""
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
