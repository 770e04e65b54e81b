"""Evaluation of leads against the published portrait: set-based, chunked, resumable.

Every lead is evaluated in the database with the compiled ``Q`` of each segment
and exclusion: one ``UPDATE`` per queryset or per id-range chunk, never a loop
over leads in Python. Stored on the lead: ``evaluated_portrait``, ``segment``
(``None`` when an exclusion matches), ``exclusions_hit`` (the ids of the
matching exclusions, a JSON list built in SQL), ``fit_score`` and
``suggested_verdict`` with the rules and the formula of ``qualification.scoring``.

The per-condition explanation is not stored: ``lead_explain`` derives it on
read from the lead's values and the stored portrait version, which is
immutable once published, so the explanation is deterministic.

A publish starts an ``EvaluationRun``: chunks by id range (``EVALUATION_CHUNK_SIZE``)
are planned as rows, each chunk task evaluates its range in one statement and
marks the chunk done in the same transaction (a re-run skips it), the last
chunk enqueues the finishing step, which sweeps leads still on another
version (inserted during the run) and marks the run done. A run whose portrait
is no longer the published one stops (``superseded``).
"""

import json
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    JSONField,
    Max,
    Min,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Greatest, Now, Replace
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from portrait import criteria
from portrait.choices import DocumentStatus
from portrait.models import Portrait
from portrait.selectors import portrait_get_published
from qualification import scoring
from qualification.choices import SuggestedVerdict
from qualification.models import (
    EvaluationChunk,
    EvaluationRun,
    EvaluationRunStatus,
    Lead,
)

_ACTIVE_RUN_STATUSES = [EvaluationRunStatus.PENDING, EvaluationRunStatus.RUNNING]


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


def _count_satisfied(clauses: list[Q]) -> Any:
    terms = [Case(When(clause, then=Value(1)), default=Value(0)) for clause in clauses]
    return reduce(lambda left, right: left + right, terms)


def evaluation_assignments(portrait: Portrait) -> dict[str, Any]:
    """The column assignments of the evaluation UPDATE against ``portrait``."""
    compile_q, referenced_fields = criteria.compile_q, criteria.referenced_fields
    # Sorted here rather than in SQL so the children prefetched by the selector are reused.
    segments = sorted(portrait.segments.all(), key=lambda segment: (segment.priority, segment.id))
    exclusions = sorted(portrait.exclusions.all(), key=lambda exclusion: exclusion.id)
    exclusion_qs = [(exclusion.id, compile_q(exclusion.criteria)) for exclusion in exclusions]
    segment_qs = [(segment.id, compile_q(segment.criteria)) for segment in segments]
    excluded = reduce(or_, [q for _id, q in exclusion_qs]) if exclusion_qs else None
    matched = reduce(or_, [q for _id, q in segment_qs]) if segment_qs else None
    fields = sorted(set().union(*(referenced_fields(segment.criteria) for segment in segments)))
    lacking = (
        reduce(or_, [compile_q({"field": name, "op": "is_null", "value": True}) for name in fields])
        if fields
        else None
    )

    segment_whens = [When(excluded, then=Value(None))] if excluded is not None else []
    segment_whens += [When(q, then=Value(segment_id)) for segment_id, q in segment_qs]
    segment_expression = (
        Case(*segment_whens, default=Value(None), output_field=BigIntegerField())
        if segment_qs
        else Value(None, output_field=BigIntegerField())
    )

    verdict_whens = []
    if excluded is not None:
        verdict_whens.append(When(excluded, then=Value(SuggestedVerdict.NOT_INTERESTING.value)))
    if matched is not None:
        verdict_whens.append(When(matched, then=Value(SuggestedVerdict.INTERESTING.value)))
    if lacking is not None:
        verdict_whens.append(When(lacking, then=Value(SuggestedVerdict.NEEDS_REVIEW.value)))
    verdict_expression = Case(
        *verdict_whens,
        default=Value(SuggestedVerdict.NOT_INTERESTING.value),
        output_field=CharField(),
    )

    shares = []
    for segment in segments:
        clauses = [compile_q(clause) for clause in scoring.top_level_clauses(segment.criteria)]
        shares.append(Value(100) * _count_satisfied(clauses) / Value(len(clauses)))
    if not shares:
        best: Any = Value(0)
    elif len(shares) == 1:
        best = shares[0]
    else:
        best = Greatest(*shares)
    score_whens = []
    if excluded is not None:
        score_whens.append(When(excluded, then=Value(0)))
    if matched is not None:
        score_whens.append(When(matched, then=Value(100)))
    score_expression = Case(*score_whens, default=best, output_field=PositiveSmallIntegerField())

    if exclusion_qs:
        pieces = [
            Case(When(q, then=Value(f"{exclusion_id},")), default=Value(""))
            for exclusion_id, q in exclusion_qs
        ]
        text = Replace(
            Concat(Value("["), *pieces, Value("]"), output_field=CharField()),
            Value(",]"),
            Value("]"),
        )
        exclusions_expression: Any = Cast(text, output_field=JSONField())
    else:
        exclusions_expression = Value([], output_field=JSONField())

    return {
        "evaluated_portrait_id": Value(portrait.id),
        "segment_id": segment_expression,
        "suggested_verdict": verdict_expression,
        "fit_score": score_expression,
        "exclusions_hit": exclusions_expression,
        # The database's clock, so that a compiled statement can be reused later.
        "evaluated_at": Now(),
    }


def leads_evaluate(*, queryset: QuerySet, portrait: Portrait | None = None) -> int:
    """Evaluate the given leads set-based against the published portrait; return how many.

    One UPDATE, whatever the number of leads. Without a published portrait
    nothing changes. Used after sync writes and for one lead saved in the admin.
    """
    portrait = portrait or portrait_get_published()
    if portrait is None:
        return 0
    if queryset.query.is_sliced or queryset.query.distinct:
        queryset = Lead.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))
    return queryset.order_by().update(**evaluation_assignments(portrait))


# A published portrait never changes, so the SQL of its evaluation is compiled once and
# reused for every batch a sync writes: compiling ~40 rules costs more Python time per
# batch than the database spends on the 1000 rows.
_SET_CLAUSES: dict[tuple, tuple[str, tuple]] = {}
_SET_CLAUSES_KEPT = 4
_SENTINEL_ID = -1
#: The lead columns an evaluation writes.
EVALUATION_COLUMNS = (
    "evaluated_portrait_id",
    "segment_id",
    "suggested_verdict",
    "fit_score",
    "exclusions_hit",
    "evaluated_at",
)


def _published_set_clause() -> tuple[str, tuple] | None:
    """``SET <evaluation>`` of an UPDATE of the lead table, for the published portrait.

    ``(sql, params)``; column references are qualified with the lead table's name, so the
    clause also evaluates any table aliased as it. ``None`` without a published portrait.
    Keyed by the portrait's last save too: an id alone may come back after a rollback.
    """
    published = (
        Portrait.objects.filter(status=DocumentStatus.PUBLISHED)
        .values_list("pk", "updated_at")
        .first()
    )
    if published is None:
        return None
    key = (connection.alias, *published)
    clause = _SET_CLAUSES.get(key)
    if clause is None:
        portrait = Portrait.objects.prefetch_related("segments", "exclusions").get(pk=published[0])
        query = Lead.objects.filter(pk=_SENTINEL_ID).query.chain(UpdateQuery)
        query.add_update_values(evaluation_assignments(portrait))
        sql, params = query.get_compiler(connection.alias).as_sql()
        table = connection.ops.quote_name(Lead._meta.db_table)
        head = f"UPDATE {table} SET "  # noqa: S608 - identifiers are ours
        tail = f" WHERE {table}.{connection.ops.quote_name('id')} = %s"
        if not (sql.startswith(head) and sql.endswith(tail)) or params[-1] != _SENTINEL_ID:
            raise RuntimeError("unexpected shape of the evaluation UPDATE")
        clause = (f"SET {sql[len(head) : -len(tail)]}", tuple(params[:-1]))
        if len(_SET_CLAUSES) >= _SET_CLAUSES_KEPT:
            _SET_CLAUSES.clear()
        _SET_CLAUSES[key] = clause
    return clause


def leads_evaluate_ids(*, ids: Sequence[int]) -> int:
    """Evaluate the leads with these ids against the published portrait; return how many.

    The same UPDATE as ``leads_evaluate``, its SQL compiled once per portrait version.
    """
    clause = _published_set_clause() if ids else None
    if clause is None:
        return 0
    set_sql, params = clause
    table = connection.ops.quote_name(Lead._meta.db_table)
    if connection.vendor == "postgresql":
        where, ids_param = f"{table}.id = ANY(%s)", list(ids)
    else:
        where = f"{table}.id IN (SELECT value FROM json_each(%s))"  # noqa: S608 - ours
        ids_param = json.dumps(list(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} {set_sql} WHERE {where}", [*params, ids_param])
        return cursor.rowcount


def staged_leads_evaluate(*, cursor, table: str) -> bool:
    """Evaluate rows staged for the lead table in ``table``; return whether a portrait did.

    ``table`` has the lead columns the criteria read and ``EVALUATION_COLUMNS``: a sync
    evaluates its rows before writing them, so each lead row is written once. The
    statement is the lead UPDATE's, run on the staging table under the lead table's name.
    """
    clause = _published_set_clause()
    if clause is None:
        return False
    set_sql, params = clause
    alias = connection.ops.quote_name(Lead._meta.db_table)
    cursor.execute(f"UPDATE {table} AS {alias} {set_sql}", params)
    return True


def evaluation_run_plan(*, portrait: Portrait) -> EvaluationRun:
    """Plan the re-evaluation of every lead against ``portrait``: a run and its id chunks.

    Older unfinished runs are superseded; an unfinished run of this portrait is
    returned and dispatched again (its undone chunks only), so a repeated start
    does not evaluate every lead twice. The run task is enqueued on commit.
    """
    from qualification.tasks import evaluation_run_task

    chunk_size = settings.PORTRAIT_CRM["EVALUATION_CHUNK_SIZE"]
    with transaction.atomic():
        active = EvaluationRun.objects.select_for_update().filter(status__in=_ACTIVE_RUN_STATUSES)
        active.exclude(portrait=portrait).update(
            status=EvaluationRunStatus.SUPERSEDED, finished_at=timezone.now()
        )
        running = active.filter(portrait=portrait).order_by("id").first()
        if running is not None:
            # Dispatch again: a run whose first dispatch was lost would otherwise never
            # start, and dispatching only enqueues the chunks not yet done.
            running_id = running.id
            transaction.on_commit(lambda: evaluation_run_task.delay(running_id))
            return running
        bounds = Lead.objects.aggregate(lowest=Min("id"), highest=Max("id"))
        run = EvaluationRun(portrait=portrait)
        run.full_clean()
        run.save()
        chunks = []
        if bounds["lowest"] is not None:
            for lower in range(bounds["lowest"], bounds["highest"] + 1, chunk_size):
                chunks.append(EvaluationChunk(run=run, lower_id=lower, upper_id=lower + chunk_size))
        EvaluationChunk.objects.bulk_create(chunks, batch_size=1000)
        run.total_chunks = len(chunks)
        run.save(update_fields=["total_chunks"])
        transaction.on_commit(lambda: evaluation_run_task.delay(run.id))
    return run


def evaluation_run_dispatch(*, run: EvaluationRun) -> int:
    """Start or resume ``run``: enqueue a task per undone chunk (or the finish); return them.

    Safe to call again after a crash: done chunks are not enqueued again.
    """
    from celery import group

    from qualification.tasks import evaluation_chunk_task, evaluation_run_finish_task

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
            signatures = group(evaluation_chunk_task.si(chunk_id) for chunk_id in undone)
            transaction.on_commit(signatures.apply_async)
        else:
            transaction.on_commit(lambda: evaluation_run_finish_task.delay(run.id))
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
    from qualification.tasks import evaluation_run_finish_task

    with transaction.atomic():
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
        updated = leads_evaluate(
            queryset=Lead.objects.filter(id__gte=chunk.lower_id, id__lt=chunk.upper_id),
            portrait=run.portrait,
        )
        chunk.done_at = timezone.now()
        chunk.updated_rows = updated
        chunk.save(update_fields=["done_at", "updated_rows"])
        # Counted last so the run row stays locked only briefly while chunks run in parallel.
        run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        run.done_chunks = run.chunks.filter(done_at__isnull=False).count()
        run.save(update_fields=["done_chunks"])
        if run.done_chunks >= run.total_chunks:
            transaction.on_commit(lambda: evaluation_run_finish_task.delay(run.id))
    return updated


def evaluation_run_finish(*, run: EvaluationRun) -> EvaluationRun:
    """Sweep leads left on another version (new since planning) and mark ``run`` done."""
    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().select_related("portrait").get(pk=run.pk)
        if run.status not in _ACTIVE_RUN_STATUSES:
            return run
        if _run_supersede_if_unpublished(run):
            return run
        if run.chunks.filter(done_at__isnull=True).exists():
            return run
        stale = Lead.objects.filter(
            ~Q(evaluated_portrait_id=run.portrait_id) | Q(evaluated_portrait__isnull=True)
        )
        leads_evaluate(queryset=stale, portrait=run.portrait)
        run.lead_count = Lead.objects.filter(evaluated_portrait_id=run.portrait_id).count()
        run.done_chunks = run.total_chunks
        run.status = EvaluationRunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["lead_count", "done_chunks", "status", "finished_at"])
    return run


def evaluation_run_resume(*, run: EvaluationRun) -> EvaluationRun:
    """Resume a run that stopped (a crashed worker, a failure): its undone chunks only."""
    from qualification.tasks import evaluation_run_task

    with transaction.atomic():
        run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        if run.status == EvaluationRunStatus.FAILED:
            run.status = EvaluationRunStatus.PENDING
            run.save(update_fields=["status"])
        run_id = run.id
        transaction.on_commit(lambda: evaluation_run_task.delay(run_id))
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


def lead_explain(lead: Lead) -> dict:
    """Per-condition explanation of the lead's stored evaluation (its portrait version)."""
    portrait = lead.evaluated_portrait
    if portrait is None:
        return {}
    rules = {
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
    evaluation = scoring.evaluate_values(lead_values(lead), **rules)
    return {"portrait": portrait.id, "portrait_version": portrait.version, **evaluation.explanation}
