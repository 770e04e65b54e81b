"""An import job on a real worker killed mid-chunk: the sweep resumes it, every row once.

Uses the fault stack of ``tests/config/test_background_faults.py``: a Redis of its own,
real worker processes. A lead of the file is held locked from another connection, so
the worker stops inside the fourth of ten chunks; it is killed there, the lock let go, a
new worker started, and nobody acts but the sweep.
"""

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F

from qualification.imports.services import lead_import_create
from qualification.models import Lead, LeadImport, LeadImportChunk, LeadImportState
from tests.config.test_background_faults import (  # noqa: F401 - the fixture
    STALL_SECONDS,
    RowHold,
    a_chunk_waits_on_the_held_lead,
    stack,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.fault,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

ROWS = 1000
CHUNK_ROWS = 100
HELD = 350


def test_a_worker_killed_inside_a_chunk_leaves_the_job_to_the_sweep_and_no_row_twice(
    stack,  # noqa: F811 - the fixture imported above
    settings,
):
    from config.background import background_sweep

    environment = {
        "LEAD_IMPORTS_DIR": settings.LEAD_IMPORTS_DIR,
        "LEAD_IMPORT_CHUNK_ROWS": str(CHUNK_ROWS),
    }
    held = Lead.objects.create(source="files", external_id=f"f{HELD}", company_name="Old")
    hold = RowHold(held.pk)
    first = stack.start_worker(**environment)
    content = "external_id,company_name\n" + "".join(f"f{n},Firm {n}\n" for n in range(ROWS))
    try:
        job = lead_import_create(
            upload=SimpleUploadedFile("f.csv", content.encode()), source="files"
        )
        wait_until(a_chunk_waits_on_the_held_lead, timeout=30, what="a chunk on the held lead")
        stack.kill_worker(first)
    finally:
        hold.release()
    assert LeadImportChunk.objects.filter(job=job, done_at__isnull=False).count() == 3
    stack.start_worker(**environment)

    def swept_and_done() -> bool:
        background_sweep(grace_seconds=0, stall_seconds=STALL_SECONDS)
        return LeadImport.objects.get(pk=job.pk).is_finished

    wait_until(swept_and_done, timeout=60, what="the job to finish")
    job.refresh_from_db()
    assert (job.state, job.total_rows, job.rows, job.created, job.updated) == (
        LeadImportState.DONE,
        ROWS,
        ROWS,
        ROWS - 1,
        1,
    )
    assert LeadImportChunk.objects.filter(job=job, done_at__isnull=True).count() == 0
    assert Lead.objects.count() == ROWS
    assert Lead.objects.get(pk=held.pk).company_name == f"Firm {HELD}"
    # Every new lead was written once: none updated after it was created.
    assert not Lead.objects.exclude(pk=held.pk).exclude(updated_at=F("created_at")).exists()
