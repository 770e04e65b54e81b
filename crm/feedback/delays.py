"""Delays told at once (article 001): any department records one, the client hears of it,
the owner gets an escalation, and postponements of one reference are counted.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.background import enqueue_on_commit
from crm.choices import EscalationReason
from crm.feedback.services import escalation_raise
from crm.models import Client, Delay
from crm.validators import validate_ahead

CLIENT_NOTICE_TASK = "crm.tasks.delay_notice_send_task"
DELAY_FIELDS = ("client", "department", "reference", "what", "new_date")


def delay_record(*, user, data: Mapping[str, Any]) -> Delay:
    """Record a delay as the next postponement of its reference; tell the client, escalate."""
    if not user.has_perm("crm.add_delay"):
        raise PermissionDenied(_("You may not record delays."))
    delay = Delay(recorded_by=user, **{key: data[key] for key in DELAY_FIELDS if key in data})
    try:
        validate_ahead(delay.new_date)
    except ValidationError as error:
        raise ValidationError({"new_date": error.messages}) from None
    with transaction.atomic():
        # The client's row orders concurrent delays of one reference: each gets its number.
        Client.objects.select_for_update().filter(pk=delay.client_id).first()
        delay.postponement = (
            Delay.objects.filter(client_id=delay.client_id, reference=delay.reference).count() + 1
        )
        delay.full_clean()
        delay.save()
        escalation_raise(delay=delay, reason=EscalationReason.DELAY)
        enqueue_on_commit(CLIENT_NOTICE_TASK, delay.pk)
    return delay
