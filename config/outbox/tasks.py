"""The periodic sweep of background work (``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from config.background import background_sweep


@shared_task(acks_late=True)
def background_sweep_task() -> dict[str, int]:
    """Send the outbox left unsent; ask again for the runs, alerts and sends that stalled."""
    return background_sweep()
