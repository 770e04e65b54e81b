"""Bulk sync of leads from outside systems: the hot path behind bulk-upsert and import.

Why not DRF serializers and ``bulk_create``: measured at 5.8k leads/s against 43.7k/s
for plain validation, a staging table and one ``INSERT ... ON CONFLICT`` (DESIGN.md).

A batch costs a constant number of statements whatever its size:
one SELECT of the stored hashes and timestamps of the batch's identities (unchanged
and stale items stop here and are never written), a staging table filled by ``COPY``
(PostgreSQL) or one ``executemany`` (SQLite), one ``UPDATE ... FROM`` for leads we
already know (merged identities resolve to the survivor), one ``INSERT ... ON CONFLICT
(source, external_id) DO UPDATE ... WHERE newer AND distinct`` for new ones (so
concurrent batches never create duplicates: the database's unique constraint decides),
then one statement flagging possible duplicates. The UPDATE and the INSERT evaluate the
staged rows against the published portrait as they write them, so each lead row is
written once, evaluated.

Report: ``{"created", "updated", "unchanged", "errors": [{"index", "external_id",
"errors": {field: [message]}}]}``. ``unchanged`` counts items equal to the stored lead
*and* stale items (older ``updated_at`` than the stored one), which are not applied.
``updated_at`` itself is not part of the content: a push that only bumps it is unchanged.

This module holds the order of the steps and their rules (known, stale, unchanged, the
retry); ``validation`` checks the items, ``grants`` the account, ``staging`` writes.
"""

import datetime
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from config.text import surrogates_escaped
from qualification.leads.duplicates import duplicates_flag
from qualification.sync.grants import lead_source_authorize
from qualification.sync.staging import staged_leads_write, staged_row, stored_identities
from qualification.sync.validation import MAX_ITEMS, lead_item_validate

# Where an item without ``updated_at`` ranks against a dated one of the same lead: newest.
_UNDATED = datetime.datetime.max.replace(tzinfo=datetime.UTC)
_ATTEMPTS = 3
try:
    from psycopg import errors as _pg_errors

    RETRYABLE: tuple[type[BaseException], ...] = (
        _pg_errors.DeadlockDetected,
        _pg_errors.SerializationFailure,
    )
except ImportError:  # pragma: no cover - SQLite-only installs
    RETRYABLE = ()


def leads_bulk_upsert(*, source: str, items: list, user=None) -> dict:
    """Create or update the pushed leads of ``source`` in one transaction, set-based.

    ``user`` is the pushing account (checked with ``lead_source_authorize``); ``None``
    means a trusted caller such as the ``import_leads`` command. Invalid items are reported
    by index and never written; the valid ones are. Raises ``ValueError`` for more than
    ``BULK_UPSERT_MAX_ITEMS`` items.
    """
    if len(items) > MAX_ITEMS:
        raise ValueError(f"at most {MAX_ITEMS} leads per batch")
    if user is not None:
        lead_source_authorize(source=source, user=user)
    report: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "errors": []}
    rows: dict[str, tuple[int, dict]] = {}
    for index, item in enumerate(items):
        row, errors = lead_item_validate(item)
        if row is not None and row["external_id"] in rows:
            row, errors = None, {"external_id": [_("This lead appears twice in the batch.")]}
        if row is None:
            external_id = item.get("external_id") if isinstance(item, dict) else None
            echoed = None if external_id is None else surrogates_escaped(str(external_id))
            report["errors"].append(
                {
                    "index": index,
                    "external_id": echoed,
                    "errors": errors,
                }
            )
            continue
        rows[row["external_id"]] = (index, row)
    if not rows:
        return report

    # Concurrent batches lock rows in one order, but a row another batch committed
    # meanwhile can still deadlock: PostgreSQL aborts one side, which retries.
    for attempt in range(1, _ATTEMPTS + 1):
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        try:
            valid_rows_merge(source=source, rows=rows, report=counts)
        except OperationalError as error:
            retryable = isinstance(error.__cause__, RETRYABLE) and not connection.in_atomic_block
            if not retryable or attempt == _ATTEMPTS:
                raise
            continue
        break
    report.update(counts)
    return report


def valid_rows_merge(*, source: str, rows: dict[str, tuple[int, dict]], report: dict) -> None:
    """Write the valid rows (external id → (index, row)) in one transaction.

    The counts go into ``report``. The import jobs write their chunks through it too.
    """
    with transaction.atomic():
        stored = {
            external_id: (lead_id, lead_source, content_hash, source_updated_at)
            for external_id, lead_id, lead_source, content_hash, source_updated_at in (
                stored_identities(source=source, rows=[row for _index, row in rows.values()])
            )
        }
        staged: list[dict] = []
        targeted: dict[int, dict] = {}
        for external_id, (_index, row) in rows.items():
            known = stored.get(external_id)
            if known is None:
                staged.append(staged_row(row, lead_id=None, source=source))
                continue
            # A merged identity's lead keeps the source it came from.
            lead_id, lead_source, content_hash, stored_at = known
            incoming_at = row["source_updated_at"]
            is_stale = stored_at is not None and incoming_at is not None and incoming_at < stored_at
            if content_hash == row["content_hash"] or is_stale:
                report["unchanged"] += 1
                continue
            # Two merged identities in one batch: the newest one wins the survivor.
            previous = targeted.get(lead_id)
            if previous is not None:
                report["unchanged"] += 1
                if (previous["source_updated_at"] or _UNDATED) > (incoming_at or _UNDATED):
                    continue
            targeted[lead_id] = staged_row(row, lead_id=lead_id, source=lead_source)
        staged.extend(targeted.values())
        if not staged:
            return
        created_ids, updated_ids = staged_leads_write(source=source, staged=staged)
        report["created"] += len(created_ids)
        report["updated"] += len(updated_ids)
        report["unchanged"] += len(staged) - len(created_ids) - len(updated_ids)
        written = [*created_ids, *updated_ids]
        if written:
            duplicates_flag(lead_ids=written)
