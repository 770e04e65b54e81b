"""The SQL of a sync batch: the stored identities, the staging table, the UPDATE and INSERT.

The valid rows of a batch are looked up by their keys in one statement, then the rows
to write are staged in a temporary table (``COPY`` on PostgreSQL, one ``executemany``
on SQLite) and merged into the lead table by one ``UPDATE ... FROM`` for the leads we
know and one ``INSERT ... ON CONFLICT`` for new ones. Both read the staged rows with the
flags of the published portrait's rules, so each lead row is written once, evaluated.
"""

import functools
import hashlib
import json

from django.db import connection, models
from django.utils import timezone

from qualification import normalise, sql
from qualification.choices import LeadStage
from qualification.evaluation.statement import staged_rows
from qualification.evaluation.writes import published_rules
from qualification.models import Lead, LeadIdentity
from qualification.models.leads import LEAD_CONTENT_FIELDS

_KEY_COLUMNS = ("website_domain", "email_domain", "name_key")
# Lead columns a sync writes, and the staging table's columns (in COPY order): the
# lead's source too, since criteria may test it.
_WRITTEN = (*LEAD_CONTENT_FIELDS, "source_updated_at", "content_hash", *_KEY_COLUMNS)
_STAGED = ("lead_id", "source", "external_id", *_WRITTEN)


def staged_row(row: dict, *, lead_id: int | None, source: str) -> dict:
    """``row`` as it is staged for writing, with its lead, source and duplicate keys.

    The keys are computed here, for the rows written only: a replay needs none.
    """
    return {
        **row,
        "lead_id": lead_id,
        "source": source,
        "website_domain": normalise.website_domain(row["website"]),
        "email_domain": normalise.email_domain(row["email"]),
        "name_key": normalise.name_key(row["company_name"]),
    }


def stored_identities(*, source: str, rows: list[dict]) -> list[tuple]:
    """(external id, lead id, lead source, content hash, source time) of the known ones.

    A lead is known by its own key or by one it took over by a merge, which wins: the
    lead it named was merged away. The source time is left out (None) of a lead whose
    content equals its row's: it decides nothing then, and reading it costs a replay
    about a tenth of its time (a time zone-aware datetime for each of 1000 leads).
    """
    external_ids = [row["external_id"] for row in rows]
    columns = ("id", "source", "content_hash", "source_updated_at")
    if connection.vendor != "postgresql":
        own = Lead.objects.filter(source=source, external_id__in=external_ids).values_list(
            "external_id", *columns, models.Value(False)
        )
        merged = (
            LeadIdentity.objects.filter(source=source, external_id__in=external_ids)
            .order_by()
            .values_list("external_id", *(f"lead__{name}" for name in columns), models.Value(True))
        )
        # One query; sorted so that a merged identity's row comes last and wins.
        found = sorted(own.union(merged, all=True), key=lambda known: known[-1])
        return list({known[0]: known[:-1] for known in found}.values())
    # One index lookup per pushed id, whatever the statistics say: joined plainly, a
    # planner that believes a table small (a bulk load autovacuum has not analysed yet)
    # scans every lead of the source for each batch. The LIMIT stops at the first branch
    # that finds the key. The ids and hashes go as JSON: psycopg writes a text array
    # element by element in Python, 2.3 ms slower for a batch's two lists.
    selected = """lead.id, lead.source, lead.content_hash,
        CASE WHEN lead.content_hash = pushed.content_hash THEN NULL
             ELSE lead.source_updated_at END"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT pushed.external_id, known.*
            FROM ROWS FROM (json_array_elements_text(%s::json),
                            json_array_elements_text(%s::json)) AS pushed(external_id, content_hash)
            CROSS JOIN LATERAL (
                (SELECT {selected}
                 FROM {LeadIdentity._meta.db_table} AS identity
                 JOIN {Lead._meta.db_table} AS lead ON lead.id = identity.lead_id
                 WHERE identity.source = %s AND identity.external_id = pushed.external_id)
                UNION ALL
                (SELECT {selected} FROM {Lead._meta.db_table} AS lead
                 WHERE lead.source = %s AND lead.external_id = pushed.external_id)
                LIMIT 1
            ) AS known
            """,  # noqa: S608 - identifiers are ours, values are parameters
            [
                json.dumps(external_ids),
                json.dumps([row["content_hash"] for row in rows]),
                source,
                source,
            ],
        )
        return cursor.fetchall()


def staged_leads_write(*, source: str, staged: list[dict]) -> tuple[list[int], list[int]]:
    """Merge the staged rows into the lead table; return (created ids, updated ids).

    Each lead row is written once, evaluated: the statements read the staged rows with
    the flags of the published portrait's rules and write the evaluated columns too.
    """
    is_postgres = connection.vendor == "postgresql"
    now = timezone.now()
    stamp = now if is_postgres else connection.ops.adapt_datetimefield_value(now)
    lead_table = connection.ops.quote_name(Lead._meta.db_table)
    staging, staging_columns = _staging_table(connection.vendor)
    with connection.cursor() as cursor:
        _stage(cursor, staged, table=staging, columns=staging_columns, is_postgres=is_postgres)
        rules = published_rules()
        # Column → the SQL it is written from, over the staged rows ``s``.
        values = {column: f"s.{column}" for column in _WRITTEN}
        values_params = []
        if rules is not None:
            values.update(rules.column_expressions("s", row="s"))
            values["evaluated_at"] = "%s"
            values_params.append(stamp)
        # Columns a newer push replaces; one without ``updated_at`` keeps the stored time.
        replaced = [column for column in values if column != "source_updated_at"]
        distinct = sql.is_distinct_from()
        if is_postgres:
            # UPDATE ... FROM locks rows in join order; take the locks in id order first.
            cursor.execute(
                f"""
                SELECT id FROM {lead_table}
                WHERE id IN (SELECT lead_id FROM {staging} WHERE lead_id IS NOT NULL)
                ORDER BY id FOR UPDATE
                """  # noqa: S608 - identifiers are ours
            )
        known, known_params = staged_rows(
            rules, table=staging, where="lead_id IS NOT NULL", alias="s"
        )
        cursor.execute(
            f"""
            UPDATE {lead_table} AS l
            SET {", ".join(f"{column} = {values[column]}" for column in replaced)},
                source_updated_at = COALESCE(s.source_updated_at, l.source_updated_at),
                updated_at = %s
            FROM {known}
            WHERE s.lead_id = l.id
              AND (s.source_updated_at IS NULL OR l.source_updated_at IS NULL
                   OR s.source_updated_at >= l.source_updated_at)
              AND l.content_hash {distinct} s.content_hash
            RETURNING id
            """,  # noqa: S608 - identifiers are ours, values are parameters
            [*values_params, stamp, *known_params],
        )
        updated_ids = [row[0] for row in cursor.fetchall()]

        new, new_params = staged_rows(rules, table=staging, where="lead_id IS NULL", alias="s")
        excluded = ", ".join(f"{column} = excluded.{column}" for column in replaced)
        inserted = "(xmax = 0)" if is_postgres else "(created_at = %s)"
        # Without a published portrait the lead starts unevaluated, with no exclusions hit.
        unevaluated = "" if rules is not None else "exclusions_hit, "
        cursor.execute(
            f"""
            INSERT INTO {lead_table} (source, stage, {unevaluated}created_at, updated_at,
                                      external_id, {", ".join(values)})
            SELECT %s, %s, {"" if rules is not None else "%s, "}%s, %s, s.external_id,
                   {", ".join(values.values())}
            -- WHERE true: SQLite would read ON CONFLICT as a join's ON otherwise.
            FROM {new} WHERE true ORDER BY s.external_id
            ON CONFLICT (source, external_id) DO UPDATE SET {excluded},
                source_updated_at = COALESCE(excluded.source_updated_at,
                                             {lead_table}.source_updated_at),
                updated_at = excluded.updated_at
            WHERE (excluded.source_updated_at IS NULL
                   OR {lead_table}.source_updated_at IS NULL
                   OR excluded.source_updated_at >= {lead_table}.source_updated_at)
              AND {lead_table}.content_hash {distinct} excluded.content_hash
            RETURNING id, {inserted} AS created
            """,  # noqa: S608 - identifiers are ours, values are parameters
            [
                source,
                LeadStage.NEW,
                *([] if rules is not None else ["[]"]),
                stamp,
                stamp,
                *values_params,
                *new_params,
                *([] if is_postgres else [stamp]),
            ],
        )
        returned = cursor.fetchall()
        if not is_postgres:  # a PostgreSQL commit empties it; SQLite would keep the rows
            cursor.execute(f"DELETE FROM {staging}")  # noqa: S608 - ours
        created_ids: list[int] = []
        for lead_id, was_inserted in returned:
            (created_ids if was_inserted else updated_ids).append(lead_id)
    return created_ids, updated_ids


def _stage(cursor, staged: list[dict], *, table: str, columns: str, is_postgres: bool) -> None:
    """Load the rows into the connection's temporary staging ``table``, made on first use.

    The table lives as long as the (persistent) connection: creating and dropping one
    per batch cost 2-3 ms and left dozens of dead catalog rows behind each time. On
    PostgreSQL a commit empties it; the DELETE clears a batch staged earlier in the
    same transaction (``staged_leads_write`` empties it after use on SQLite).
    """
    on_commit = "ON COMMIT DELETE ROWS" if is_postgres else ""
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {table} (lead_id bigint, {columns}) {on_commit}"
    )
    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - ours
    if is_postgres:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(_STAGED)}) FROM STDIN") as copy:
            for row in staged:
                copy.write_row([row[column] for column in _STAGED])
        return
    adapt = connection.ops.adapt_datetimefield_value
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(_STAGED)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(_STAGED))})",
        [
            [
                adapt(row[column])
                if column == "source_updated_at"
                else str(row[column])
                if column == "annual_revenue" and row[column] is not None
                else row[column]
                for column in _STAGED
            ]
            for row in staged
        ],
    )


@functools.cache
def _staging_table(vendor: str) -> tuple[str, str]:
    """The staging table's name and column definitions on ``vendor``'s database.

    The lead table's own column types, so staged values convert (and compare, when the
    rules are evaluated on them) as they will there. The name carries a digest of the
    columns: a session kept across a release (by a pooler) never meets a table of the
    old shape.
    """
    columns = ", ".join(
        f"{column} {_staged_type(column)}" for column in _STAGED if column != "lead_id"
    )
    digest = hashlib.sha1(columns.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"lead_sync_staging_{digest}", columns


def _staged_type(column: str) -> str:
    """The database type of a lead column, without its check constraint."""
    field = next(field for field in Lead._meta.concrete_fields if field.column == column)
    return field.db_type(connection)
