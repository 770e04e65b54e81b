"""Celery tasks of the funnel: each takes ids and calls one service.

The services send these by name (``config.background``) and never import this module.
"""

from celery import shared_task

from portrait.models import Portrait
from qualification.evaluation.runs import (
    evaluation_chunk_evaluate,
    evaluation_run_dispatch,
    evaluation_run_finish,
    evaluation_run_start,
)
from qualification.funnel.alerts import alert_send, alerts_check
from qualification.imports.services import lead_import_run
from qualification.models import Alert, EvaluationRun


@shared_task(acks_late=True)
def evaluation_run_start_task(portrait_id: int) -> int | None:
    """Plan a re-evaluation of every lead against a newly published portrait.

    A publish plans its run itself now; this stays for the messages an earlier
    release queued, and plans nothing twice (an unfinished run is dispatched again).
    """
    portrait = Portrait.objects.filter(pk=portrait_id).first()
    if portrait is None:
        return None
    run = evaluation_run_start(portrait=portrait)
    return run.id if run else None


@shared_task(acks_late=True)
def evaluation_run_task(run_id: int) -> int:
    """Start or resume a run: fan its undone chunks out to the workers."""
    return evaluation_run_dispatch(run=EvaluationRun(pk=run_id))


@shared_task(acks_late=True)
def evaluation_chunk_task(chunk_id: int) -> int:
    """Evaluate one id range of a run (skipped if already done)."""
    return evaluation_chunk_evaluate(chunk_id=chunk_id)


@shared_task(acks_late=True)
def evaluation_run_finish_task(run_id: int) -> str:
    """Sweep leads left on another version and mark the run done."""
    return evaluation_run_finish(run=EvaluationRun(pk=run_id)).status


@shared_task(acks_late=True)
def alerts_check_task() -> int:
    """Periodic guard: record alerts for uncovered plans and high override rates."""
    return len(alerts_check())


@shared_task(acks_late=True)
def alert_send_task(alert_id: int) -> bool:
    """E-mail one alert to the sales managers."""
    alert = Alert.objects.filter(pk=alert_id).first()
    return alert_send(alert=alert) if alert else False


@shared_task(acks_late=True)
def lead_import_task(job_id: int) -> str:
    """Plan an import job if needed and write its chunks not done (resumable)."""
    return lead_import_run(job_id=job_id)
