"""Bad news that must still fly: escalations and delay notices whose message was lost.

A message the broker lost after it left the outbox (a Redis restarted without its data)
is asked for again by the background sweep; each is sent once whoever asks, under its
row's lock (``crm.feedback.notices``).
"""

from config.background import enqueue_again_on_commit
from crm.feedback.delays import CLIENT_NOTICE_TASK
from crm.feedback.services import ESCALATION_TASK
from crm.models import Delay, Escalation


def escalations_unmailed_sweep(*, stalled_before) -> int:
    """Ask again for each escalation raised before ``stalled_before`` and never mailed."""
    unmailed = Escalation.objects.filter(mailed_at__isnull=True, created_at__lt=stalled_before)
    return sum(
        enqueue_again_on_commit(ESCALATION_TASK, escalation_id, unless_since=stalled_before)
        for escalation_id in unmailed.order_by("id").values_list("id", flat=True)
    )


def delays_untold_sweep(*, stalled_before) -> int:
    """Ask again to tell the client of each delay recorded before ``stalled_before``."""
    untold = Delay.objects.filter(client_told_at__isnull=True, recorded_at__lt=stalled_before)
    return sum(
        enqueue_again_on_commit(CLIENT_NOTICE_TASK, delay_id, unless_since=stalled_before)
        for delay_id in untold.order_by("id").values_list("id", flat=True)
    )
