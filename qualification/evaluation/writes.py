"""Set-based evaluation of leads against the published portrait, and its writers' lock.

Every lead is evaluated in the database (``qualification.evaluation.statement``: each
rule's condition computed once per lead): one ``UPDATE`` per queryset, batch or id-range
chunk, never a loop over leads in Python. Stored on the lead: ``evaluated_portrait``, ``segment``
(``None`` when an exclusion matches), ``exclusions_hit`` (the ids of the
matching exclusions, a JSON list built in SQL), ``fit_score`` and
``suggested_verdict`` with the rules and the formula of ``qualification.scoring``.

Only the leads whose outcome changes are written, and their ``updated_at`` moves with
it: a pull of changes (``updated_since``) then finds every lead whose evaluation changed
and no other, and a publish that changes one segment rewrites the leads it moves, not
the table. A lead whose outcome holds keeps the portrait version that produced it.
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from portrait.choices import DocumentStatus
from portrait.models import Portrait
from portrait.selectors import portrait_get_published
from qualification import sql
from qualification.evaluation.settled import NOTHING_SETTLED, Settled
from qualification.evaluation.statement import (
    LEAD_TABLE,
    CompiledPortrait,
    evaluation_first_update,
    evaluation_update,
    portrait_compile,
)
from qualification.models import Lead


def leads_evaluate_where(*, portrait: Portrait, where: str, params: tuple) -> int:
    """Evaluate the leads matching ``where`` (SQL over the lead table) against ``portrait``.

    Writes only the leads whose outcome changed (``evaluation_update``) and returns how
    many leads were evaluated, written or not.
    """
    return leads_evaluate_counted(portrait=portrait, where=where, params=params).evaluated


class Evaluated(NamedTuple):
    """What an evaluation statement did: the leads it evaluated, the leads it wrote."""

    evaluated: int
    written: int


# A lead another transaction rewrites between the statement's snapshot and its write is
# evaluated again; that many passes in a row each meeting a new writer is not contention
# but a fault.
_PASSES = 10


def leads_evaluate_counted(*, portrait: Portrait, where: str, params: tuple) -> Evaluated:
    """Evaluate the leads matching ``where`` against ``portrait``: how many, how many written."""
    compiled = portrait_compile(portrait)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT count(*) FROM {LEAD_TABLE} WHERE {where}", params)  # noqa: S608
            evaluated = cursor.fetchone()[0]
            statement, parameters = evaluation_update(
                compiled,
                table=LEAD_TABLE,
                where=where,
                where_params=params,
                evaluated_at=timezone.now(),
            )
            cursor.execute(statement, parameters)
            return Evaluated(evaluated, cursor.rowcount)
        # The leads evaluated before go through the statement that compares; then those
        # never evaluated are written in place as they are evaluated (their outcome is
        # always new), which the comparing statement would have slowed down.
        never_evaluated = evaluation_first_update(
            compiled,
            table=LEAD_TABLE,
            where=where,
            where_params=params,
            evaluated_at=timezone.now(),
        )
        where = f"({where}) AND {LEAD_TABLE}.evaluated_portrait_id IS NOT NULL"
        evaluated = written = 0
        for attempt in range(_PASSES):
            statement, parameters = evaluation_update(
                compiled,
                table=LEAD_TABLE,
                where=where,
                where_params=params,
                evaluated_at=timezone.now(),
            )
            cursor.execute(statement, parameters)
            matched, wrote, rewritten = cursor.fetchone()
            evaluated, written = (matched if attempt == 0 else evaluated), written + wrote
            if not rewritten:
                cursor.execute(*never_evaluated)
                return Evaluated(evaluated + cursor.rowcount, written + cursor.rowcount)
            # Evaluated again from what the other transaction committed.
            where, ids = sql.id_in(f"{LEAD_TABLE}.id", rewritten)
            params = (ids,)
    raise RuntimeError("leads kept changing under their evaluation")


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
    return leads_evaluate_where(
        portrait=portrait, where=f"{LEAD_TABLE}.id IN ({ids_sql})", params=ids_params
    )


def leads_evaluate_range(
    *, portrait: Portrait, lower_id: int, upper_id: int, settled: Settled = NOTHING_SETTLED
) -> int:
    """Evaluate the leads with ``lower_id <= id < upper_id`` (a run's chunk) but the
    ``settled`` ones, which ``portrait`` cannot change; return how many were evaluated.
    """
    unsettled, unsettled_params = settled.unsettled_where(LEAD_TABLE)
    where = f"{LEAD_TABLE}.id >= %s AND {LEAD_TABLE}.id < %s AND {unsettled}"
    return leads_evaluate_where(
        portrait=portrait, where=where, params=(lower_id, upper_id, *unsettled_params)
    )


# Whoever evaluates leads against a portrait (a sync, a saved lead, a run's chunk) holds
# this lock, shared, until it commits; planning a run takes it alone. So a lead written
# against the version before is committed before the run reads its id ranges, and its
# chunk evaluates it again: the run sweeps only the ids past its ranges, not the whole
# table. Every writer of evaluations must take it. (SQLite lets one writer in at a time.)
_WRITERS_LOCK = 7_310_598_112_004_551_211


def writers_lock(*, alone: bool) -> None:
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
    writers_lock(alone=False)
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
        return leads_evaluate_where(portrait=portrait, where=where, params=(ids_param,))


def published_rules() -> CompiledPortrait | None:
    """The published portrait's rules, compiled, for a writer that evaluates leads itself.

    ``None`` when no portrait is published. Takes the writers' lock: call it inside the
    transaction that writes the leads (a sync, with ``staged_rows``).
    """
    portrait = _published()
    return None if portrait is None else portrait_compile(portrait)
