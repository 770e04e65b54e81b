"""Re-evaluation of every lead after a publish: a run of chunks, resumable.

A publish starts an ``EvaluationRun``: chunks by id range (``EVALUATION_CHUNK_SIZE``)
are planned as rows, each chunk task evaluates its range in one statement and
marks the chunk done in the same transaction (a re-run skips it), the last
chunk enqueues the finishing step, which sweeps the leads inserted after planning
(beyond the last range) and marks the run done. A run whose portrait
is no longer the published one stops (``superseded``).

The run is planned in the publishing transaction (``evaluation_run_on_publish``), so a
publish never stands without its run; each step's task is an outbox row of the step's
own transaction (``config.background``). A run that makes no progress for
``BACKGROUND_STALL_SECONDS`` (its messages lost with the broker's data, its worker
killed, a chunk failed) is dispatched again by the sweeper (``evaluation_runs_sweep``).
"""

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from config.background import (
    enqueue_again_on_commit,
    enqueue_each_on_commit,
    enqueue_on_commit,
)
from portrait.choices import DocumentStatus
from portrait.models import Portrait
from qualification import sql
from qualification.evaluation.settled import NOTHING_SETTLED, Settled, outcomes_settled
from qualification.evaluation.statement import LEAD_TABLE
from qualification.evaluation.writes import (
    leads_evaluate_range,
    leads_evaluate_where,
    writers_lock,
)
from qualification.models import (
    EvaluationChunk,
    EvaluationRun,
    EvaluationRunStatus,
    Lead,
)

_ACTIVE_RUN_STATUSES = [EvaluationRunStatus.PENDING, EvaluationRunStatus.RUNNING]

# The tasks a run sends itself, by name: each calls back one service of this module.
EVALUATION_RUN_TASK = "qualification.tasks.evaluation_run_task"
EVALUATION_CHUNK_TASK = "qualification.tasks.evaluation_chunk_task"
EVALUATION_RUN_FINISH_TASK = "qualification.tasks.evaluation_run_finish_task"


def _run_supersede_if_unpublished(run: EvaluationRun) -> bool:
    """Stop ``run`` if its portrait is no longer the published version; return whether it did.

    A conditional UPDATE, so a caller that does not hold the run's lock never
    overwrites a run another worker finished or superseded meanwhile.
    """
    if run.portrait.status == DocumentStatus.PUBLISHED:
        return False
    now = timezone.now()
    EvaluationRun.objects.filter(pk=run.pk).exclude(
        status__in=[EvaluationRunStatus.DONE, EvaluationRunStatus.SUPERSEDED]
    ).update(status=EvaluationRunStatus.SUPERSEDED, finished_at=now)
    run.status, run.finished_at = EvaluationRunStatus.SUPERSEDED, now
    return True


def evaluation_run_plan(*, portrait: Portrait) -> EvaluationRun:
    """Plan the re-evaluation of every lead against ``portrait``: a run and its id chunks.

    Older unfinished runs are superseded; an unfinished run of this portrait is
    returned and dispatched again (its undone chunks only), so a repeated start
    does not evaluate every lead twice. The run task is enqueued on commit.
    """
    chunk_size = settings.PORTRAIT_CRM["EVALUATION_CHUNK_SIZE"]
    with transaction.atomic():
        writers_lock(alone=True)
        active = EvaluationRun.objects.select_for_update().filter(status__in=_ACTIVE_RUN_STATUSES)
        active.exclude(portrait=portrait).update(
            status=EvaluationRunStatus.SUPERSEDED, finished_at=timezone.now()
        )
        running = active.filter(portrait=portrait).order_by("id").first()
        if running is not None:
            # Dispatch again: a run whose first dispatch was lost would otherwise never
            # start, and dispatching only enqueues the chunks not yet done.
            enqueue_on_commit(EVALUATION_RUN_TASK, running.id)
            return running
        bounds = Lead.objects.aggregate(lowest=Min("id"), highest=Max("id"))
        settled = _settled_since_last_run(portrait)
        run = EvaluationRun(
            portrait=portrait,
            settled_segment_ids=list(settled.segment_ids),
            settled_exclusion_ids=list(settled.exclusion_ids),
        )
        run.full_clean()
        run.save()
        chunks = []
        if bounds["lowest"] is not None:
            # The last range ends right after the highest id: the finishing sweep starts there.
            end = bounds["highest"] + 1
            for lower in range(bounds["lowest"], end, chunk_size):
                upper = min(lower + chunk_size, end)
                chunks.append(EvaluationChunk(run=run, lower_id=lower, upper_id=upper))
        EvaluationChunk.objects.bulk_create(chunks, batch_size=1000)
        run.total_chunks = len(chunks)
        run.save(update_fields=["total_chunks"])
        enqueue_on_commit(EVALUATION_RUN_TASK, run.id)
    return run


def _settled_since_last_run(portrait: Portrait) -> Settled:
    """The leads ``portrait``'s run may skip (``evaluation.settled``).

    Only when the last run is done, and of another version: every lead then holds that
    version's outcome (a lead written since was evaluated against it, as published). A
    run of the version before that did not finish (superseded) leaves nothing settled.
    Call it under the writers' lock, alone.
    """
    last = EvaluationRun.objects.select_related("portrait").order_by("-id").first()
    if last is None or last.status != EvaluationRunStatus.DONE or last.portrait_id == portrait.pk:
        return NOTHING_SETTLED
    return outcomes_settled(before=last.portrait, after=portrait)


def _run_settled(run: EvaluationRun) -> Settled:
    return Settled(
        segment_ids=tuple(run.settled_segment_ids),
        exclusion_ids=tuple(run.settled_exclusion_ids),
    )


def evaluation_run_dispatch(*, run: EvaluationRun) -> int:
    """Start or resume ``run``: enqueue a task per undone chunk (or the finish); return them.

    Safe to call again after a crash: done chunks are not enqueued again.
    """
    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().select_related("portrait").get(pk=run.pk)
        if run.status in (EvaluationRunStatus.DONE, EvaluationRunStatus.SUPERSEDED):
            return 0
        if _run_supersede_if_unpublished(run):
            return 0
        run.status = EvaluationRunStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.save(update_fields=["status", "started_at"])
        undone = list(
            run.chunks.filter(done_at__isnull=True)
            .order_by("lower_id")
            .values_list("id", flat=True)
        )
        if undone:
            enqueue_each_on_commit(EVALUATION_CHUNK_TASK, [(chunk_id,) for chunk_id in undone])
        else:
            enqueue_on_commit(EVALUATION_RUN_FINISH_TASK, run.id)
    return len(undone)


def evaluation_chunk_evaluate(*, chunk_id: int) -> int:
    """Evaluate one chunk's id range in one UPDATE and mark it done; return rows updated.

    Idempotent: a done chunk is skipped. A chunk of a run whose portrait is no
    longer published stops that run. The last chunk enqueues the finishing step.
    A chunk that raises marks its run ``failed`` (the chunk stays undone, so
    ``evaluation_run_resume`` picks it up) and re-raises.
    """
    try:
        return _chunk_evaluate(chunk_id)
    except Exception:
        _chunk_run_fail(chunk_id)
        raise


def _chunk_run_fail(chunk_id: int) -> None:
    """Mark the unfinished run of a chunk failed, in its own transaction."""
    try:
        with transaction.atomic():
            EvaluationRun.objects.filter(
                chunks__id=chunk_id, status__in=_ACTIVE_RUN_STATUSES
            ).update(status=EvaluationRunStatus.FAILED)
    except DatabaseError:
        # The connection itself is broken: the chunk's own error is the one to report.
        pass


def _chunk_evaluate(chunk_id: int) -> int:
    with transaction.atomic():
        # A chunk writes leads against its run's portrait: it is one of the writers
        # a new run's planning waits for, and it reads the portrait's status after.
        writers_lock(alone=False)
        # Lock the chunk only: locking the joined run and portrait rows too would
        # make the chunks of one run wait for each other instead of running at once.
        chunk = (
            EvaluationChunk.objects.select_for_update(of=("self",))
            .select_related("run__portrait")
            .get(pk=chunk_id)
        )
        run = chunk.run
        if chunk.is_done or run.status not in _ACTIVE_RUN_STATUSES:
            return 0
        if _run_supersede_if_unpublished(run):
            return 0
        updated = leads_evaluate_range(
            portrait=run.portrait,
            lower_id=chunk.lower_id,
            upper_id=chunk.upper_id,
            settled=_run_settled(run),
        )
        chunk.done_at = timezone.now()
        chunk.updated_rows = updated
        chunk.save(update_fields=["done_at", "updated_rows"])
        # Counted last so the run row stays locked only briefly while chunks run in parallel.
        run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        run.done_chunks = run.chunks.filter(done_at__isnull=False).count()
        run.save(update_fields=["done_chunks"])
        if run.done_chunks >= run.total_chunks:
            enqueue_on_commit(EVALUATION_RUN_FINISH_TASK, run.id)
    return updated


def evaluation_run_finish(*, run: EvaluationRun) -> EvaluationRun:
    """Sweep the leads inserted since planning and mark ``run`` done."""
    with transaction.atomic():
        writers_lock(alone=False)
        run = EvaluationRun.objects.select_for_update().select_related("portrait").get(pk=run.pk)
        if run.status not in _ACTIVE_RUN_STATUSES:
            return run
        if _run_supersede_if_unpublished(run):
            return run
        chunks = run.chunks.aggregate(
            undone=Count("id", filter=Q(done_at__isnull=True)),
            tail=Max("upper_id"),
            rows=Sum("updated_rows"),
        )
        if chunks["undone"]:
            return run
        # Every lead up to the planned ranges was written before planning (see
        # ``writers_lock``) and evaluated by its chunk: only the tail is left to sweep.
        swept = leads_evaluate_where(
            portrait=run.portrait,
            where=(
                f"{LEAD_TABLE}.id >= %s AND "
                f"{LEAD_TABLE}.evaluated_portrait_id {sql.is_distinct_from()} %s"
            ),
            params=(chunks["tail"] or 0, run.portrait_id),
        )
        # The chunks counted their own rows: counting the table again costs a scan.
        run.lead_count = swept + (chunks["rows"] or 0)
        run.done_chunks = run.total_chunks
        run.status = EvaluationRunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["lead_count", "done_chunks", "status", "finished_at"])
    return run


def evaluation_run_resume(*, run: EvaluationRun) -> EvaluationRun:
    """Resume a run that stopped (a crashed worker, a failure): its undone chunks only."""
    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        if run.status == EvaluationRunStatus.FAILED:
            run.status = EvaluationRunStatus.PENDING
            run.save(update_fields=["status"])
        enqueue_on_commit(EVALUATION_RUN_TASK, run.id)
    run.refresh_from_db()
    return run


def evaluation_run_start(*, portrait: Portrait) -> EvaluationRun | None:
    """Re-evaluate every lead against ``portrait`` if it is still the published version."""
    if portrait.status != DocumentStatus.PUBLISHED:
        return None
    return evaluation_run_plan(portrait=portrait)


def evaluation_run_on_publish(portrait: Portrait) -> None:
    """A new portrait version re-evaluates every lead, in the background (a publish hook).

    Runs inside the publishing transaction: the run, its chunks and the task that
    starts it commit with the new version or not at all, so a publish answers
    whether or not the broker does, and a broker that was away loses no run (the
    sweeper sends the task). Planning waits for the writers evaluating leads
    against the version before (``writers_lock``), as a publish now does.
    """
    evaluation_run_plan(portrait=portrait)


def evaluation_runs_sweep(*, stalled_before) -> int:
    """Dispatch again every run with no progress since ``stalled_before``; return how many.

    Progress is the run's creation, its start and each chunk done. A run stalls when
    the broker lost its messages (restarted without its data) or its worker died
    holding one; a failed run of the published portrait (a chunk raised: a lost
    connection, a timeout) is resumed too, so every lead ends on the version in force
    with nobody acting. A run asked for again waits another stall period before the
    next time; dispatching only sends the chunks not yet done.
    """
    candidates = (
        EvaluationRun.objects.filter(
            Q(status__in=_ACTIVE_RUN_STATUSES)
            | Q(status=EvaluationRunStatus.FAILED, portrait__status=DocumentStatus.PUBLISHED)
        )
        .annotate(last_chunk_done_at=Max("chunks__done_at"))
        .order_by("id")
    )
    swept = 0
    for run in candidates:
        moments = (run.created_at, run.started_at, run.last_chunk_done_at)
        if max(moment for moment in moments if moment is not None) >= stalled_before:
            continue
        with transaction.atomic():
            locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != run.status:
                continue
            asked = enqueue_again_on_commit(
                EVALUATION_RUN_TASK, run.id, unless_since=stalled_before
            )
            if not asked:
                continue
            if locked.status == EvaluationRunStatus.FAILED:
                locked.status = EvaluationRunStatus.PENDING
                locked.save(update_fields=["status"])
        swept += 1
    return swept
