"""The evaluation UPDATE: every rule's condition computed once per lead, in the database.

Every column an evaluation writes (segment, verdict, fit score, exclusions hit) reads
the same booleans: does each exclusion match, does each top-level clause of each
segment hold, does the lead lack a field the segments use. A sub-select computes each
of these *flags* once per lead with the criteria compiler (``portrait.criteria``); the
column expressions only combine flags, following the rules of ``qualification.scoring``.
Written as CASE expressions that repeat each rule where a column needs it, the same
UPDATE evaluates most conditions three or four times per lead.

The flags' SQL is compiled once per published portrait version (it never changes) and
reused by every chunk of a run and every batch a sync writes. A run updates in place
the leads whose outcome changes, and no other (``evaluation_update``); a sync reads its
staged rows with their flags (``staged_rows``) and writes each lead once, evaluated.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q

from portrait import criteria
from portrait.models import Portrait
from qualification import ranking, sql
from qualification.choices import SuggestedVerdict
from qualification.models import Lead
from qualification.scoring import top_level_clauses

#: The lead table's quoted name, which the compiled conditions qualify columns with.
LEAD_TABLE = f'"{Lead._meta.db_table}"'
_SENTINEL_ID = -1
# Keeps the flags' sub-select a plan node of its own: pulled up into the UPDATE, each
# flag's condition would be copied into every expression that reads it.
_FENCE = {True: "OFFSET 0", False: "LIMIT -1 OFFSET 0"}
_KEPT = 4
#: What an evaluation decides for a lead. Only a lead whose outcome differs is written
#: (``evaluation_update``): the portrait version it was evaluated against alone is not a
#: change (``Lead.evaluated_portrait``).
OUTCOME_COLUMNS = ("segment_id", "suggested_verdict", "fit_score", "exclusions_hit")
#: The queue's ranking of a lead (``qualification.ranking``), which follows from its segment
#: and its size: written and compared with the outcome, so a lead keeps its rank current.
RANK_COLUMNS = ("segment_priority", "estimated_value")
WRITTEN_COLUMNS = OUTCOME_COLUMNS + RANK_COLUMNS


@dataclass(frozen=True)
class CompiledPortrait:
    """A portrait's rules as flags: a SELECT list and how the columns combine it."""

    portrait_id: int
    flags_sql: str  # "(condition) AS "x0", ..." over the lead table's name
    flags_params: tuple
    exclusions: tuple[tuple[int, str], ...]  # (exclusion id, flag)
    segments: tuple[tuple[int, tuple[str, ...]], ...]  # (segment id, clause flags), by priority
    lacking: str | None  # the flag of "lacks a field some segment uses"
    # (priority, average annual deal value) of each segment, in the order of ``segments``.
    segment_ranks: tuple[tuple[int, Decimal], ...] = ()

    def column_expressions(self, flags: str, row: str = LEAD_TABLE) -> dict[str, str]:
        """Each evaluated column as SQL over the flags of the derived table ``flags`` and the
        lead's own columns in ``row``.
        """
        excluded = _any([f"{flags}.{flag}" for _id, flag in self.exclusions])
        matches = [
            (segment_id, _all([f"{flags}.{flag}" for flag in clauses]))
            for segment_id, clauses in self.segments
        ]
        matched = _any([match for _id, match in matches])
        segment_whens = " ".join(f"WHEN {match} THEN {int(id_)}" for id_, match in matches)
        lacking = f"{flags}.{self.lacking}" if self.lacking else "FALSE"
        verdict = SuggestedVerdict
        shares = [
            "100 * ("
            + " + ".join(f"CASE WHEN {flags}.{flag} THEN 1 ELSE 0 END" for flag in clauses)
            + f") / {len(clauses)}"
            for _id, clauses in self.segments
        ]
        best = shares[0] if len(shares) == 1 else f"{sql.greatest()}({', '.join(shares)})"
        employees = f"{row}.{connection.ops.quote_name('employees')}"
        priority_whens = " ".join(
            f"WHEN {match} THEN {int(priority)}"
            for (_id, match), (priority, _deal) in zip(matches, self.segment_ranks, strict=True)
        )
        value_whens = " ".join(
            f"WHEN {match} THEN "
            + ranking.estimated_value_sql(average_deal_value=deal, employees=employees)
            for (_id, match), (_priority, deal) in zip(matches, self.segment_ranks, strict=True)
        )
        return {
            "evaluated_portrait_id": str(int(self.portrait_id)),
            "segment_id": (
                f"CASE WHEN {excluded} THEN NULL {segment_whens} ELSE NULL END"
                if matches
                else "CAST(NULL AS bigint)"
            ),
            "suggested_verdict": (
                f"CASE WHEN {excluded} THEN '{verdict.NOT_INTERESTING.value}' "
                f"WHEN {matched} THEN '{verdict.INTERESTING.value}' "
                f"WHEN {lacking} THEN '{verdict.NEEDS_REVIEW.value}' "
                f"ELSE '{verdict.NOT_INTERESTING.value}' END"
            ),
            "fit_score": (
                f"CASE WHEN {excluded} THEN 0 WHEN {matched} THEN 100 "
                f"ELSE {best if shares else '0'} END"
            ),
            "exclusions_hit": _hits(self.exclusions, flags),
            "segment_priority": (
                f"CASE WHEN {excluded} THEN NULL {priority_whens} ELSE NULL END"
                if matches
                else "CAST(NULL AS integer)"
            ),
            "estimated_value": (
                f"CASE WHEN {excluded} THEN NULL {value_whens} ELSE NULL END"
                if matches
                else "CAST(NULL AS bigint)"
            ),
        }


def _any(terms: list[str]) -> str:
    return f"({' OR '.join(terms)})" if terms else "FALSE"


def _all(terms: list[str]) -> str:
    return f"({' AND '.join(terms)})" if terms else "TRUE"


def _hits(exclusions: tuple[tuple[int, str], ...], flags: str) -> str:
    """The ids of the exclusions whose flags hold, as a JSON list in id order.

    On PostgreSQL as ``jsonb`` arrays joined: building the list as text and parsing it
    cost 13 % of a first evaluation. SQLite builds the text and reads it as JSON.
    """
    if connection.vendor == "postgresql":
        arrays = [
            f"CASE WHEN {flags}.{flag} THEN jsonb_build_array({int(id_)}) ELSE '[]'::jsonb END"
            for id_, flag in exclusions
        ]
        return " || ".join(arrays) if arrays else "'[]'::jsonb"
    hits = " || ".join(
        f"CASE WHEN {flags}.{flag} THEN '{int(id_)},' ELSE '' END" for id_, flag in exclusions
    )
    return _as_json(f"REPLACE('[' || {hits} || ']', ',]', ']')" if hits else "'[]'")


def _as_json(text: str) -> str:
    return f"CAST({text} AS jsonb)" if connection.vendor == "postgresql" else f"JSON({text})"


_COMPILED: dict[tuple, CompiledPortrait] = {}


def portrait_compile(portrait: Portrait) -> CompiledPortrait:
    """The flags of ``portrait``'s rules, compiled once per version and database."""
    key = (connection.alias, portrait.pk, portrait.updated_at)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _compile(portrait)
        if len(_COMPILED) >= _KEPT:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled


def _compile(portrait: Portrait) -> CompiledPortrait:
    compile_q = criteria.compile_q
    flags: dict[str, Q] = {}

    def flag(q: Q) -> str:
        name = f"x{len(flags)}"
        flags[name] = q
        return name

    exclusions = tuple(
        (exclusion.id, flag(compile_q(exclusion.criteria)))
        for exclusion in sorted(portrait.exclusions.all(), key=lambda exclusion: exclusion.id)
    )
    ordered = sorted(portrait.segments.all(), key=lambda segment: (segment.priority, segment.id))
    segments = tuple(
        (
            segment.id,
            tuple(flag(compile_q(clause)) for clause in top_level_clauses(segment.criteria)),
        )
        for segment in ordered
    )
    fields = sorted(
        set().union(*(criteria.referenced_fields(segment.criteria) for segment in ordered))
    )
    lacking = None
    if fields:
        missing = [compile_q({"field": name, "op": "is_null", "value": True}) for name in fields]
        combined = missing[0]
        for q in missing[1:]:
            combined |= q
        lacking = flag(combined)

    flags_sql, flags_params = "", ()
    if flags:
        query = (
            Lead.objects.filter(pk=_SENTINEL_ID)
            .annotate(
                **{
                    name: ExpressionWrapper(q, output_field=BooleanField())
                    for name, q in flags.items()
                }
            )
            .values(*flags)
            .query
        )
        sql, params = query.get_compiler(connection.alias).as_sql()
        table = LEAD_TABLE
        tail = f" FROM {table} WHERE {table}.{connection.ops.quote_name('id')} = %s"
        if not (sql.startswith("SELECT ") and sql.endswith(tail)) or params[-1] != _SENTINEL_ID:
            raise RuntimeError("unexpected shape of the evaluation flags")
        flags_sql, flags_params = sql[len("SELECT ") : -len(tail)], tuple(params[:-1])
    return CompiledPortrait(
        portrait_id=portrait.pk,
        flags_sql=flags_sql,
        flags_params=flags_params,
        exclusions=exclusions,
        segments=segments,
        lacking=lacking,
        segment_ranks=tuple(
            (segment.priority, segment.average_deal_value or Decimal(0)) for segment in ordered
        ),
    )


def evaluation_update(
    compiled: CompiledPortrait,
    *,
    table: str,
    where: str = "TRUE",
    where_params: tuple = (),
    evaluated_at,
) -> tuple[str, list]:
    """The statement that writes the evaluation of the rows of ``table`` matching ``where``.

    Only the rows whose outcome (``OUTCOME_COLUMNS``) or rank in the queue (``RANK_COLUMNS``,
    which changes only with the segment or the lead's size) differs from the stored one are
    written, with the portrait, ``evaluated_at`` and ``updated_at``, so a pull of changes
    (``updated_since``) finds exactly them; a row whose outcome holds keeps the version
    that produced it (see ``Lead.evaluated_portrait``). ``table`` has the lead columns
    the rules read and the evaluated ones; it is aliased as the lead table, whose name
    the compiled conditions and ``where`` use. Returns (sql, params).

    On PostgreSQL the statement answers one row: the rows matching ``where``, the rows
    written, and the ids of those it found changed but left alone because another
    transaction wrote them after this statement's snapshot (``leads_evaluate_where``
    evaluates those again). On SQLite, one writer at a time, it is a plain ``UPDATE``.
    """
    stored = ", ".join(_stored(column) for column in WRITTEN_COLUMNS)
    if connection.vendor != "postgresql":
        return _update_in_place(
            compiled,
            table=table,
            where=where,
            where_params=tuple(where_params),
            evaluated_at=evaluated_at,
            compared_with=stored,
        )
    lead = LEAD_TABLE
    expressions = compiled.column_expressions("evaluation_flags")
    flags = compiled.flags_sql or "1 AS no_flags"
    stamp = connection.ops.adapt_datetimefield_value(evaluated_at)
    portrait = expressions.pop("evaluated_portrait_id")
    computed = ", ".join(f"{expressions[column]} AS {column}" for column in WRITTEN_COLUMNS)
    outcome = ", ".join(f"outcome.{column}" for column in WRITTEN_COLUMNS)
    # Every row is evaluated once, into the CTE; a changed one comes with its new outcome
    # and its row address (``ctid``), an unchanged one with nulls (the CTE stays small,
    # and counts the rows evaluated). Only the changed rows are written, fetched by their
    # address: joined back by id, the UPDATE read the whole range again and took twice
    # as long for 16 % of a chunk written; counted by a second query, a chunk of 50,000
    # leads took 60-170 ms more. A row another transaction rewrote since the CTE read it
    # has a new address: the join drops it (its values came from the older version) and
    # the statement reports it. The list of addresses lets the planner fetch those rows
    # alone (a TID scan), whatever it guesses the CTE holds; it takes their locks in
    # address order, as a sequential scan of a chunk's range did before.
    sql = f"""
        WITH evaluated AS MATERIALIZED (
            SELECT {lead}.id, changed.*
            FROM {table} AS {lead}
            CROSS JOIN LATERAL (
                SELECT {computed} FROM (SELECT {flags} {_FENCE[True]}) AS evaluation_flags
                {_FENCE[True]}
            ) AS outcome
            LEFT JOIN LATERAL (
                SELECT {lead}.ctid AS address, {outcome}
                WHERE ({stored}) IS DISTINCT FROM ({outcome})
            ) AS changed ON TRUE
            WHERE ({where})
        ), written AS (
            UPDATE {table} AS {lead}
            SET evaluated_portrait_id = {portrait},
                {", ".join(f"{column} = evaluated.{column}" for column in WRITTEN_COLUMNS)},
                evaluated_at = %s, updated_at = %s
            FROM evaluated
            WHERE {lead}.ctid = ANY(ARRAY(
                    SELECT address FROM evaluated WHERE address IS NOT NULL))
              AND {lead}.ctid = evaluated.address
            RETURNING {lead}.id
        )
        SELECT (SELECT count(*) FROM evaluated),
               (SELECT count(*) FROM written),
               ARRAY(SELECT id FROM evaluated WHERE address IS NOT NULL
                     EXCEPT SELECT id FROM written)
    """  # noqa: S608 - identifiers and SQL are ours, values are parameters
    return sql, [*compiled.flags_params, *where_params, stamp, stamp]


def evaluation_first_update(
    compiled: CompiledPortrait,
    *,
    table: str,
    where: str = "TRUE",
    where_params: tuple = (),
    evaluated_at,
) -> tuple[str, list]:
    """The statement that evaluates the leads of ``where`` never evaluated before.

    Their outcome is always new (a stored verdict is never empty after an evaluation):
    each is written in place as it is evaluated, with nothing to compare, the way the
    first evaluation of an import or of a first portrait goes. Returns (sql, params).
    """
    return _update_in_place(
        compiled,
        table=table,
        where=f"({where}) AND {LEAD_TABLE}.evaluated_portrait_id IS NULL",
        where_params=tuple(where_params),
        evaluated_at=evaluated_at,
    )


def _update_in_place(
    compiled: CompiledPortrait,
    *,
    table: str,
    where: str,
    where_params: tuple,
    evaluated_at,
    compared_with: str | None = None,
) -> tuple[str, list]:
    """An UPDATE whose SET computes each row's outcome from its flags in a sub-select.

    ``compared_with``: the stored outcome's columns; only a row whose computed outcome
    differs is written, its flags computed a second time to compare (SQLite).
    """
    lead = LEAD_TABLE
    expressions = compiled.column_expressions("evaluation_flags")
    flags = compiled.flags_sql or "1 AS no_flags"
    stamp = connection.ops.adapt_datetimefield_value(evaluated_at)
    portrait = expressions.pop("evaluated_portrait_id")
    computed = ", ".join(expressions[column] for column in WRITTEN_COLUMNS)
    fence = _FENCE[connection.vendor == "postgresql"]
    source = f"FROM (SELECT {flags} {fence}) AS evaluation_flags"
    params = [*compiled.flags_params, stamp, stamp, *where_params]
    where = f"({where})"
    if compared_with is not None:
        where += f" AND (SELECT ({compared_with}) {sql.is_distinct_from()} ({computed}) {source})"
        params += compiled.flags_params
    statement = (
        f"UPDATE {table} AS {lead} SET (evaluated_portrait_id, "  # noqa: S608 - ours
        f"{', '.join(WRITTEN_COLUMNS)}) = (SELECT {portrait}, {computed} {source}), "
        f"evaluated_at = %s, updated_at = %s WHERE {where}"
    )
    return statement, params


def _stored(column: str) -> str:
    """The stored value of an outcome column, comparable with the computed one.

    SQLite keeps JSON as the text Django wrote (``[1, 2]``), the statement's ``[1,2]``.
    """
    value = f"{LEAD_TABLE}.{column}"
    if column == "exclusions_hit" and connection.vendor != "postgresql":
        return f"JSON({value})"
    return value


def staged_rows(
    compiled: CompiledPortrait | None, *, table: str, where: str, alias: str
) -> tuple[str, list]:
    """The rows of ``table`` matching ``where`` as a derived table ``alias``, with flags.

    ``table`` has the lead columns the rules read; each row comes with the flags of
    ``compiled``'s rules, which ``compiled.column_expressions(alias)`` combine into the
    evaluated columns. Without ``compiled`` (no published portrait) the rows come alone.
    Returns (the FROM item, its params).
    """
    flags = f", {compiled.flags_sql}" if compiled is not None and compiled.flags_sql else ""
    params = list(compiled.flags_params) if flags else []
    lead, fence = LEAD_TABLE, _FENCE[connection.vendor == "postgresql"]
    return (
        f"(SELECT {lead}.*{flags} FROM {table} AS {lead} WHERE {where} {fence}) AS {alias}",  # noqa: S608 - ours
        params,
    )
