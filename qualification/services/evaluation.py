"""Evaluation of leads against the published portrait: set-based, chunked, resumable.

Every lead is evaluated in the database (``evaluation_statement``: each rule's
condition computed once per lead): one ``UPDATE`` per queryset, batch or id-range
chunk, never a loop over leads in Python. Stored on the lead: ``evaluated_portrait``, ``segment``
(``None`` when an exclusion matches), ``exclusions_hit`` (the ids of the
matching exclusions, a JSON list built in SQL), ``fit_score`` and
``suggested_verdict`` with the rules and the formula of ``qualification.scoring``.

The per-condition explanation is not stored: ``lead_explain`` derives it on
read from the lead's values and the stored portrait version, which is
immutable once published, so the explanation is deterministic.

A publish starts an ``EvaluationRun``: chunks by id range (``EVALUATION_CHUNK_SIZE``)
are planned as rows, each chunk task evaluates its range in one statement and
marks the chunk done in the same transaction (a re-run skips it), the last
chunk enqueues the finishing step, which sweeps the leads inserted after planning
(beyond the last range) and marks the run done. A run whose portrait
is no longer the published one stops (``superseded``).
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from config.background import enqueue_each_on_commit, enqueue_on_commit
from portrait.choices import DocumentStatus
from portrait.models import Portrait
from portrait.selectors import portrait_get_published
from qualification import scoring, sql
from qualification.models import (
    EvaluationChunk,
    EvaluationRun,
    EvaluationRunStatus,
    Lead,
)
from qualification.services.evaluation_statement import (
    LEAD_TABLE,
    CompiledPortrait,
    evaluation_update,
    portrait_compile,
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


def _evaluate(*, portrait: Portrait, where: str, params: tuple) -> int:
    """Evaluate the leads matching ``where`` (SQL over the lead table) against ``portrait``."""
    sql, parameters = evaluation_update(
        portrait_compile(portrait),
        table=LEAD_TABLE,
        where=where,
        where_params=params,
        evaluated_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.rowcount


def leads_evaluate(*, queryset: QuerySet, portrait: Portrait | None = None) -> int:
    """Evaluate the given leads set-based against the published portrait; return how many.

    One UPDATE, whatever the number of leads. Without a published portrait
    nothing changes. For set-up and tests: the product's writers evaluate by ids,
    ranges or staged rows under the writers' lock.
    """
    portrait = portrait or portrait_get_published()
    if portrait is None:
        return 0
    if queryset.query.is_sliced or queryset.query.distinct:
        queryset = Lead.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))
    ids_sql, ids_params = queryset.order_by().values("id").query.sql_with_params()
    return _evaluate(portrait=portrait, where=f"{LEAD_TABLE}.id IN ({ids_sql})", params=ids_params)


def leads_evaluate_range(*, portrait: Portrait, lower_id: int, upper_id: int) -> int:
    """Evaluate the leads with ``lower_id <= id < upper_id`` (a run's chunk); return how many."""
    where = f"{LEAD_TABLE}.id >= %s AND {LEAD_TABLE}.id < %s"
    return _evaluate(portrait=portrait, where=where, params=(lower_id, upper_id))


# Whoever evaluates leads against a portrait (a sync, a saved lead, a run's chunk) holds
# this lock, shared, until it commits; planning a run takes it alone. So a lead written
# against the version before is committed before the run reads its id ranges, and its
# chunk evaluates it again: the run sweeps only the ids past its ranges, not the whole
# table. Every writer of evaluations must take it. (SQLite lets one writer in at a time.)
_WRITERS_LOCK = 7_310_598_112_004_551_211


def _writers_lock(*, alone: bool) -> None:
    """Take the writers' lock until the transaction ends: shared, or ``alone``."""
    if connection.vendor != "postgresql":
        return
    # Out of a transaction the lock would be released as soon as it is taken.
    if not connection.in_atomic_block:
        raise RuntimeError("the evaluation writers' lock must be taken inside a transaction")
    function = "pg_advisory_xact_lock" if alone else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_WRITERS_LOCK])


def _published() -> Portrait | None:
    """The published portrait alone (its rules are read only when not yet compiled).

    Takes the writers' lock first: call it inside the transaction that writes the leads.
    """
    _writers_lock(alone=False)
    return Portrait.objects.filter(status=DocumentStatus.PUBLISHED).first()


def leads_evaluate_ids(*, ids: Sequence[int]) -> int:
    """Evaluate the leads with these ids against the published portrait; return how many."""
    if not ids:
        return 0
    where, ids_param = sql.id_in(f"{LEAD_TABLE}.id", ids)
    with transaction.atomic():
        portrait = _published()
        if portrait is None:
            return 0
        return _evaluate(portrait=portrait, where=where, params=(ids_param,))


def published_rules() -> CompiledPortrait | None:
    """The published portrait's rules, compiled, for a writer that evaluates leads itself.

    ``None`` when no portrait is published. Takes the writers' lock: call it inside the
    transaction that writes the leads (a sync, with ``staged_rows``).
    """
    portrait = _published()
    return None if portrait is None else portrait_compile(portrait)


def evaluation_run_plan(*, portrait: Portrait) -> EvaluationRun:
    """Plan the re-evaluation of every lead against ``portrait``: a run and its id chunks.

    Older unfinished runs are superseded; an unfinished run of this portrait is
    returned and dispatched again (its undone chunks only), so a repeated start
    does not evaluate every lead twice. The run task is enqueued on commit.
    """
    chunk_size = settings.PORTRAIT_CRM["EVALUATION_CHUNK_SIZE"]
    with transaction.atomic():
        _writers_lock(alone=True)
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
        run = EvaluationRun(portrait=portrait)
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
        _writers_lock(alone=False)
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
            portrait=run.portrait, lower_id=chunk.lower_id, upper_id=chunk.upper_id
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
        _writers_lock(alone=False)
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
        # ``_writers_lock``) and evaluated by its chunk: only the tail is left to sweep.
        swept = _evaluate(
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


def lead_values(lead: Lead) -> dict[str, Any]:
    """The lead as the criteria predicate reads it: its concrete fields by name."""
    return {
        field.name: getattr(lead, field.attname)
        for field in Lead._meta.concrete_fields
        if not field.is_relation
    }


def portrait_rules(portrait: Portrait) -> dict[str, list[scoring.Rule]]:
    """``portrait``'s segments and exclusions as ``scoring.evaluate_values`` takes them."""
    return {
        "segments": [
            scoring.Rule(
                id=segment.id,
                name=segment.name,
                criteria=segment.criteria,
                priority=segment.priority,
            )
            for segment in portrait.segments.all()
        ],
        "exclusions": [
            scoring.Rule(id=exclusion.id, name=exclusion.name, criteria=exclusion.criteria)
            for exclusion in portrait.exclusions.all()
        ],
    }


def lead_explain(lead: Lead) -> dict:
    """Per-condition explanation of the lead's stored evaluation (its portrait version)."""
    portrait = lead.evaluated_portrait
    if portrait is None:
        return {}
    evaluation = scoring.evaluate_values(lead_values(lead), **portrait_rules(portrait))
    return {"portrait": portrait.id, "portrait_version": portrait.version, **evaluation.explanation}
