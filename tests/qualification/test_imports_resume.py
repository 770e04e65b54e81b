"""An import job whose worker dies mid-job resumes after its done chunks: every row once."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F

from config.background import background_sweep
from qualification.imports import chunks
from qualification.imports.services import lead_import_create, lead_import_run
from qualification.models import Lead, LeadImport, LeadImportChunk, LeadImportState

ROWS = 50


class WorkerKilled(BaseException):
    """Stands for the worker's death: not an ``Exception``, nothing of ours catches it."""


def _file() -> bytes:
    lines = ["external_id;company_name;employees;attributes.n"]
    lines += [f"r{n};Компанія {n};{n};{n}" for n in range(ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


@pytest.mark.postgres
def test_a_job_whose_worker_dies_after_chunk_k_resumes_and_writes_every_row_once(
    transactional_db, settings, monkeypatch
):
    assert connection.vendor == "postgresql"
    settings.LEAD_IMPORT_CHUNK_ROWS = 10
    # The broker is away: the job's message waits in the outbox, as after a lost message.
    monkeypatch.setattr("config.background.outbox_dispatch", lambda **kwargs: 0)
    job = lead_import_create(upload=SimpleUploadedFile("e.csv", _file()), source="files")
    # A worker plans the job and writes chunk 0 (its continuation is another lost message),
    # then chunks 1 and 2, and dies in the middle of chunk 3, after its leads were merged.
    assert lead_import_run(job_id=job.pk, seconds=0) == LeadImportState.RUNNING
    planned = list(LeadImportChunk.objects.filter(job=job).order_by("number"))
    assert [chunk.row_count for chunk in planned] == [10] * 5
    for chunk in planned[1:3]:
        assert chunks.import_chunk_write(chunk_id=chunk.pk) is True

    def die(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as dying:
        dying.setattr(chunks, "rejections", die)
        with pytest.raises(WorkerKilled):
            chunks.import_chunk_write(chunk_id=planned[3].pk)
    assert Lead.objects.count() == 30
    job.refresh_from_db()
    assert (job.state, job.rows, job.created) == (LeadImportState.RUNNING, 30, 30)

    # The broker is back; the sweep sends what waited and asks again for the stalled job.
    monkeypatch.undo()
    background_sweep(grace_seconds=0, stall_seconds=0)

    job.refresh_from_db()
    assert (job.state, job.total_rows, job.rows, job.created, job.rejected) == (
        LeadImportState.DONE,
        ROWS,
        ROWS,
        ROWS,
        0,
    )
    assert (
        sorted(LeadImportChunk.objects.filter(job=job).values_list("created", flat=True))
        == [10] * 5
    )
    leads = list(Lead.objects.values_list("external_id", "company_name", "employees"))
    assert sorted(leads) == sorted((f"r{n}", f"Компанія {n}", n) for n in range(ROWS))
    # Written once: no lead was updated after it was created.
    assert not Lead.objects.exclude(updated_at=F("created_at")).exists()
    assert LeadImport.objects.get(pk=job.pk).file_path
    assert not Path(job.file_path).exists()
