"""Signing as the Standard Webhooks specification says, with its reference package.

Pure: no ORM. The receiver checks ``webhook-signature`` over ``{id}.{timestamp}.{body}``
with the endpoint's secret and rejects timestamps more than five minutes away, so each
attempt is signed anew at the moment it is sent, under the event's one ``webhook-id``.
"""

import base64
import datetime
import math
import secrets
import uuid

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the form's prefix, not a secret
#: 32 random bytes: the specification asks for between 24 and 64.
SECRET_BYTES = 32


def webhook_secret_new() -> str:
    """A new signing secret in the ``whsec_<base64>`` form receivers' libraries read."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_id_new() -> str:
    """A message id: one per event, the same on every attempt and at every endpoint."""
    return f"msg_{uuid.uuid4().hex}"


def webhook_headers(
    *, secret: str, webhook_id: str, body: str, at: datetime.datetime
) -> dict[str, str]:
    """The three headers of one attempt to send ``body``, signed at ``at`` (aware)."""
    at = at.astimezone(datetime.UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body),
    }
