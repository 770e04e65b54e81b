"""Import jobs: created from an upload, run in chunks by a worker, cancelled, swept.

The upload is streamed to ``LEAD_IMPORTS_DIR`` (Django writes bodies past 2.5 MB to a
temporary file, which is moved there), its encoding, delimiter and header are checked
at once (a file nobody can read is a 400 naming what to change, not a failed job), and
the job commits with the outbox row that starts it (``config.background``).

The task plans the job (one pass over the file: the chunks, by byte offset, and the
total), then writes its chunks one by one, each in its own transaction that marks it
done (``chunks.import_chunk_write``). A task gives the worker back after
``LEAD_IMPORT_TASK_SECONDS`` and asks for its own continuation in the outbox, so no
message is held longer than the broker's visibility timeout. A worker killed mid-job
leaves whole chunks behind: the sweeper (``lead_imports_sweep``) asks again for a job
with no progress for ``BACKGROUND_STALL_SECONDS``, and the next task resumes at the
first chunk not done.
"""

import datetime
import logging
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.background import enqueue_again_on_commit, enqueue_on_commit
from qualification.imports.chunks import import_chunk_write, job_file_format
from qualification.imports.reading import file_inspect, record_offsets
from qualification.models import LeadImport, LeadImportChunk, LeadImportState
from qualification.sync.grants import lead_source_authorize
from qualification.sync.validation import source_validate

logger = logging.getLogger(__name__)

LEAD_IMPORT_TASK = "qualification.tasks.lead_import_task"
_ACTIVE = [LeadImportState.QUEUED, LeadImportState.RUNNING]


class ImportFinished(Exception):
    """The job has finished (done, failed or cancelled): there is nothing to cancel."""


def _imports_dir() -> Path:
    directory = Path(settings.LEAD_IMPORTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _store(upload) -> Path:
    """Move or copy the uploaded file into the imports directory, chunk by chunk."""
    destination = _imports_dir() / f"{uuid.uuid4().hex}{Path(upload.name or '').suffix[:10]}"
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        # Moved while open: closing the upload afterwards finds nothing left to delete.
        shutil.move(temporary(), destination)
        upload.close()
        return destination
    with destination.open("wb") as handle:
        for piece in upload.chunks():
            handle.write(piece)
    return destination


def lead_import_create(
    *,
    upload,
    source: str,
    user=None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> LeadImport:
    """Store ``upload`` and queue its import into ``source``; return the job.

    ``user`` must be allowed to push to ``source`` (the bulk-upsert's rule:
    ``lead_source_authorize``); ``None`` is a trusted caller. Raises ``ValidationError``
    naming ``source``, ``file``, ``encoding`` or ``delimiter`` when the file cannot be read.
    """
    messages = source_validate(source)
    if messages:
        raise ValidationError({"source": messages})
    if user is not None:
        lead_source_authorize(source=source, user=user)
    path = _store(upload)
    try:
        found = file_inspect(path, name=upload.name or "", encoding=encoding, delimiter=delimiter)
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        job = LeadImport.objects.create(
            requested_by=user,
            source=source,
            file_name=Path(upload.name or "").name[:255],
            file_path=str(path),
            file_size=path.stat().st_size,
            kind=found.kind,
            encoding=found.encoding,
            delimiter=found.delimiter or "",
            columns=list(found.columns),
            data_offset=found.data_offset,
            data_line=found.data_line,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        enqueue_on_commit(LEAD_IMPORT_TASK, job.id)
    return job


def lead_import_cancel(*, job: LeadImport) -> LeadImport:
    """Stop ``job``: the chunks written stay written, no other is. ``ImportFinished`` if over."""
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise ImportFinished
        job.state = LeadImportState.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at"])
        _delete_file_on_commit(job)
    return job


def _delete_file_on_commit(job: LeadImport) -> None:
    if job.file_path:
        path = Path(job.file_path)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def lead_import_progress(job: LeadImport, *, now: datetime.datetime | None = None) -> dict:
    """The job's progress: percent of its rows, rows per second, seconds left (or None)."""
    now = now or timezone.now()
    if job.state == LeadImportState.DONE:
        percent = 100
    elif job.total_rows:
        percent = min(99, job.rows * 100 // job.total_rows)
    else:
        percent = 0
    rate, left = None, None
    if job.started_at is not None:
        elapsed = ((job.finished_at or now) - job.started_at).total_seconds()
        if elapsed > 0 and job.rows:
            rate = round(job.rows / elapsed, 1)
            if not job.is_finished and job.total_rows:
                left = round((job.total_rows - job.rows) / rate)
    return {"percent": percent, "rows_per_second": rate, "seconds_left": left}


def lead_import_run(*, job_id: int, seconds: float | None = None) -> str:
    """Plan ``job_id`` if needed, then write its chunks not done; return its state.

    Gives up after ``seconds`` (``LEAD_IMPORT_TASK_SECONDS``) with its continuation
    asked for in the outbox. Safe to run twice at once: each chunk is written once.
    """
    budget = settings.LEAD_IMPORT_TASK_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + budget
    job = LeadImport.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job.state if job else "missing"
    if job.state == LeadImportState.QUEUED and not _plan(job):
        return LeadImportState.FAILED
    undone = job.chunks.filter(done_at__isnull=True).order_by("number")
    chunk_ids = list(undone.values_list("id", flat=True))
    for position, chunk_id in enumerate(chunk_ids):
        try:
            import_chunk_write(chunk_id=chunk_id)
        except Exception:
            logger.exception("Import job %s stopped on an error.", job.pk)
            with translation.override(job.language):
                _fail(
                    job,
                    _(
                        "The import stopped on an unexpected error; the rows written so far "
                        "stay written. Upload the file again to import the rest: the rows "
                        "already imported are skipped as unchanged."
                    ),
                )
            raise
        state = LeadImport.objects.values_list("state", flat=True).get(pk=job.pk)
        if state != LeadImportState.RUNNING:
            return state
        # At least one chunk per task, so a job always moves.
        if time.monotonic() > deadline and position + 1 < len(chunk_ids):
            with transaction.atomic():
                enqueue_on_commit(LEAD_IMPORT_TASK, job.id)
            return LeadImportState.RUNNING
    return _finish(job)


def _plan(job: LeadImport) -> bool:
    """Split the job's file into chunks and start it; return whether it could be read."""
    path = Path(job.file_path)
    if not path.is_file():
        with translation.override(job.language):
            _fail(
                job,
                _(
                    "The uploaded file is not on this worker's disk: the web and worker "
                    "processes must share LEAD_IMPORTS_DIR."
                ),
            )
        return False
    size = settings.LEAD_IMPORT_CHUNK_ROWS
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job.pk)
        if job.state != LeadImportState.QUEUED:
            return True
        chunks = [
            LeadImportChunk(
                job=job, number=number, start_offset=offset, start_line=line, row_count=count
            )
            for number, (offset, line, count) in enumerate(
                record_offsets(path, job_file_format(job), every=size)
            )
        ]
        LeadImportChunk.objects.bulk_create(chunks, batch_size=1000)
        now = timezone.now()
        job.total_chunks = len(chunks)
        job.total_rows = sum(chunk.row_count for chunk in chunks)
        job.state = LeadImportState.RUNNING
        job.started_at = job.progress_at = now
        job.save(update_fields=["total_chunks", "total_rows", "state", "started_at", "progress_at"])
    return True


def _finish(job: LeadImport) -> str:
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job.pk)
        if job.state != LeadImportState.RUNNING:
            return job.state
        if job.chunks.filter(done_at__isnull=True).exists():
            return job.state
        job.state = LeadImportState.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "finished_at"])
        _delete_file_on_commit(job)
    return job.state


def _fail(job: LeadImport, error: str) -> None:
    """Mark the job failed with ``error`` (a message for its requester), in its own transaction."""
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            return
        job.state = LeadImportState.FAILED
        job.error = str(error)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        _delete_file_on_commit(job)


def lead_imports_sweep(*, stalled_before: datetime.datetime) -> int:
    """Ask again for every job queued or running with no progress since ``stalled_before``.

    Progress is the job's creation, its start and each chunk done. A job stalls when the
    broker lost its message or its worker died; it is asked for again once per stall
    period, and the task resumes at the first chunk not done.
    """
    stalled = (
        LeadImport.objects.filter(state__in=_ACTIVE)
        .annotate(moved_at=Coalesce("progress_at", "started_at", "created_at"))
        .filter(Q(moved_at__lt=stalled_before))
        .order_by("id")
        .values_list("id", flat=True)
    )
    swept = 0
    for job_id in stalled:
        with transaction.atomic():
            if enqueue_again_on_commit(LEAD_IMPORT_TASK, job_id, unless_since=stalled_before):
                swept += 1
    return swept


def lead_imports_for_user(user):
    """The jobs ``user`` sees: their own, or everyone's with ``view_all_leadimports``."""
    jobs = LeadImport.objects.order_by("-id")
    if user.has_perm("qualification.view_all_leadimports"):
        return jobs
    return jobs.filter(requested_by=user)
