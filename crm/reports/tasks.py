"""The reports' Celery task: takes nothing, calls one service."""

from celery import shared_task

from crm.reports.digest import no_contact_digest_send


@shared_task(acks_late=True)
def no_contact_digest_task() -> int:
    """Periodic: e-mail each owner their clients nobody has contacted, once per period."""
    return no_contact_digest_send()
