"""A chunk of an import: its rows read, validated and merged into the leads at once.

The rows go through the bulk-upsert's own steps (``qualification.sync``): the same
validation, one lookup of the stored identities, the unchanged and stale rows skipped
before the database, a staging table filled by ``COPY`` (PostgreSQL) and merged by one
``UPDATE`` and one ``INSERT ... ON CONFLICT`` that evaluate the rows as they write them,
then one statement flagging possible duplicates. A chunk is ``LEAD_IMPORT_CHUNK_ROWS``
rows (10,000): its statements cost the same whatever its size, so larger chunks spend
less per row, and one still commits in well under a second.

A lead twice in a file is applied as two pushes one after the other would be: the later
row wins unless it is older (by ``updated_at``); within a chunk the earlier one counts
as unchanged, so the leads end as they would whatever the chunks' bounds.
"""

import dataclasses
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation

from config.text import surrogates_escaped
from qualification.imports.reading import FileFormat, Record, records
from qualification.models import LeadImport, LeadImportChunk, LeadImportRejection, LeadImportState
from qualification.sync.upsert import RETRYABLE, valid_rows_merge
from qualification.sync.validation import lead_item_validate

_ATTEMPTS = 3
_WHOLE_ROW = "non_field_errors"


@dataclasses.dataclass
class Prepared:
    """A run of records read and validated: the rows to write and the report so far."""

    rows: dict[str, tuple[int, dict]]
    report: dict[str, Any]


def rows_prepare(numbered: Iterable[Record]) -> Prepared:
    """Validate ``numbered`` records (no database): the rows to write, by external id.

    A lead twice in the records keeps its later row unless that one is older; the other
    counts as unchanged. Rejected rows go into the report's ``errors``.
    """
    report: dict[str, Any] = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "errors": []}
    rows: dict[str, tuple[int, dict]] = {}
    for record in numbered:
        report["rows"] += 1
        row, errors = (None, record.errors) if record.errors else lead_item_validate(record.item)
        if row is None:
            rejected: dict[str, Any] = {"line": record.line, "errors": errors}
            if not record.errors:  # a row read but invalid: its id, as bulk-upsert echoes it
                item = record.item
                external_id = item.get("external_id") if isinstance(item, dict) else None
                rejected["external_id"] = (
                    None if external_id is None else surrogates_escaped(str(external_id))
                )
            report["errors"].append(rejected)
            continue
        earlier = rows.get(row["external_id"])
        if earlier is not None:
            report["unchanged"] += 1
            earlier_at, later_at = earlier[1]["source_updated_at"], row["source_updated_at"]
            if earlier_at is not None and later_at is not None and later_at < earlier_at:
                continue
        rows[row["external_id"]] = (record.line, row)
    return Prepared(rows=rows, report=report)


def rows_write(*, source: str, prepared: Prepared) -> dict[str, Any]:
    """Merge the prepared rows into the leads (one transaction); return the whole report."""
    report = {**prepared.report, "errors": list(prepared.report["errors"])}
    if prepared.rows:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        valid_rows_merge(source=source, rows=prepared.rows, report=counts)
        for key, count in counts.items():
            report[key] += count
    return report


def rows_apply(*, source: str, numbered: Iterable[Record]) -> dict[str, Any]:
    """Validate and write ``numbered`` records of ``source`` in one transaction.

    Returns ``{"rows", "created", "updated", "unchanged", "errors": [{"line",
    "external_id", "errors"}]}``; rejected rows are never written.
    """
    return rows_write(source=source, prepared=rows_prepare(numbered))


def chunk_prepare(job: LeadImport, chunk: LeadImportChunk) -> Prepared:
    """Read and validate one chunk of ``job``'s file, in the job's language (no database)."""
    numbered = itertools.islice(
        records(
            Path(job.file_path),
            job_file_format(job),
            start_offset=chunk.start_offset,
            start_line=chunk.start_line,
        ),
        chunk.row_count,
    )
    with translation.override(job.language):
        return rows_prepare(numbered)


def rejections(job: LeadImport, errors: list[dict]) -> list[LeadImportRejection]:
    """One rejection per message of each rejected row: its line, column and message."""
    return [
        LeadImportRejection(
            job=job,
            line=error["line"],
            column="" if column == _WHOLE_ROW else column[:200],
            message=str(message),
        )
        for error in errors
        for column, messages in error["errors"].items()
        for message in messages
    ]


def job_file_format(job: LeadImport) -> FileFormat:
    return FileFormat(
        kind=job.kind,
        encoding=job.encoding,
        delimiter=job.delimiter or None,
        columns=tuple(job.columns),
        data_offset=job.data_offset,
        data_line=job.data_line,
    )


def import_chunk_write(*, chunk_id: int, prepared: Prepared | None = None) -> bool:
    """Write one chunk of a running job and mark it done, in one transaction.

    ``prepared`` is the chunk already read and validated (``chunk_prepare``); by default it
    is read here, inside the transaction. Returns whether it wrote: a done
    chunk, or a chunk of a job no longer running (cancelled, failed), is skipped, so a
    chunk sent twice is written once. A deadlock with a concurrent push is retried.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return _chunk_write(chunk_id, prepared)
        except OperationalError as error:
            if not isinstance(error.__cause__, RETRYABLE) or attempt == _ATTEMPTS:
                raise
            if connection.in_atomic_block:
                raise
    return False  # pragma: no cover - the loop returns or raises


def _chunk_write(chunk_id: int, prepared: Prepared | None) -> bool:
    with transaction.atomic():
        # The job's lock orders the chunks of a job and a cancel: both wait for it.
        job_id = LeadImportChunk.objects.values_list("job_id", flat=True).get(pk=chunk_id)
        job = LeadImport.objects.select_for_update().get(pk=job_id)
        chunk = LeadImportChunk.objects.select_for_update().get(pk=chunk_id)
        if chunk.is_done or job.state != LeadImportState.RUNNING:
            return False
        if prepared is None:
            prepared = chunk_prepare(job, chunk)
        with translation.override(job.language):
            report = rows_write(source=job.source, prepared=prepared)
            LeadImportRejection.objects.bulk_create(rejections(job, report["errors"]), 1000)
        now = timezone.now()
        chunk.created, chunk.updated = report["created"], report["updated"]
        chunk.unchanged, chunk.rejected = report["unchanged"], len(report["errors"])
        chunk.done_at = now
        chunk.save(update_fields=["created", "updated", "unchanged", "rejected", "done_at"])
        LeadImport.objects.filter(pk=job.pk).update(
            rows=F("rows") + report["rows"],
            created=F("created") + chunk.created,
            updated=F("updated") + chunk.updated,
            unchanged=F("unchanged") + chunk.unchanged,
            rejected=F("rejected") + chunk.rejected,
            progress_at=now,
        )
    return True
