"""Scenario 5: a CSV of leads through an import job, upload to done.

The CSV (UTF-8, ``;``-separated as Excel writes it in comma-decimal locales; one column
per lead field, ``attributes`` as JSON, ``updated_at``) is uploaded to
``POST /api/v1/lead-imports/`` on gunicorn; the job runs on a real Celery worker (or
in-process at commit without Redis) and is polled until ``done``. Against (a) a psycopg
``COPY`` of the same rows into the lead table (the limit) and (b) the same rows pushed
through ``POST /api/v1/leads/bulk-upsert/`` in batches of 1000 from one client (the
table's "naive" column for these rows: what an integration does today). Then the same
file again (a replay: every row unchanged).
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import tempfile
import time
import uuid
from pathlib import Path

from bench import environment
from bench.context import Context
from bench.load import request_json
from bench.report import Row
from bench.scenarios.common import publish_benchmark_portrait
from bench.scenarios.sync import _bodies, _copy_limit, _push
from bench.servers import CeleryWorker, Gunicorn
from qualification import demo_data as data
from qualification.models.leads import LEAD_CONTENT_FIELDS

SOURCE = "erp"
PATH = "/api/v1/lead-imports/"
COLUMNS = ["external_id", *LEAD_CONTENT_FIELDS, "updated_at"]


def write_csv(leads: list[dict], path: Path) -> int:
    """The leads as Excel's semicolon CSV; returns the file's size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for lead in leads:
            item = data.to_json(lead)
            writer.writerow(
                [
                    json.dumps(item[column], ensure_ascii=False)
                    if column == "attributes"
                    else ("" if item[column] is None else item[column])
                    for column in COLUMNS
                ]
            )
    return path.stat().st_size


def _multipart(path: Path, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        body.write(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
    )
    body.write(path.read_bytes())
    body.write(f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def import_job(port: int, token: str, path: Path, worker) -> tuple[float, dict]:
    """Upload ``path`` and poll its job until it ends: (seconds, the job's last answer)."""
    body, content_type = _multipart(path, {"source": SOURCE})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request(
        "POST",
        PATH,
        body=body,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": content_type,
            "Accept": "application/json",
        },
    )
    response = connection.getresponse()
    answer = response.read()
    if response.status != 202:
        raise RuntimeError(f"the upload answered {response.status}: {answer[:500]!r}")
    job = json.loads(answer)
    while job["state"] in ("queued", "running"):
        time.sleep(0.05)
        if worker is not None:
            worker.sample_peak()
        status, job = request_json(connection, "GET", f"{PATH}{job['id']}/", token=token)
        if status != 200:
            raise RuntimeError(f"the job answered {status}: {str(job)[:500]}")
    seconds = time.perf_counter() - started
    connection.close()
    if job["state"] != "done":
        raise RuntimeError(f"the job ended {job['state']}: {job.get('error')}")
    return seconds, job


def run(context: Context) -> list[Row]:
    count = context.leads["imports"]
    context.log(f"import job: preparing {count:,} leads")
    environment.truncate_leads()
    publish_benchmark_portrait()
    importer = environment.make_user("bench-importer", "admins")
    integration = environment.make_user("bench-erp", "integrations")
    leads = list(data.generate_leads(count, seed=context.seed))
    directory = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = directory / "leads.csv"
    size = write_csv(leads, path)
    rows = environment.copy_rows(dict(lead, source=SOURCE) for lead in leads)
    copy_rate = _copy_limit(rows)
    del rows
    bodies = _bodies(leads)
    del leads
    context.log(f"import job: COPY limit {copy_rate:,.0f} leads/s; file {size / 1e6:.1f} MB")
    environment.vacuum_analyze()

    worker_context = CeleryWorker(concurrency=2) if context.celery else contextlib.nullcontext()
    with Gunicorn(workers=2) as server, worker_context as worker:
        upsert_seconds, upserted = _push(server.port, integration.token, bodies)
        context.log(f"import job: bulk-upsert {upsert_seconds:.1f}s {upserted}")
        environment.truncate_leads()
        environment.vacuum_analyze()
        job_seconds, job = import_job(server.port, importer.token, path, worker)
        context.log(f"import job: upload to done {job_seconds:.1f}s, created {job['created']}")
        environment.vacuum_analyze()
        replay_seconds, replay = import_job(server.port, importer.token, path, worker)
        context.log(f"import job: replay {replay_seconds:.1f}s, unchanged {replay['unchanged']}")
        peak = worker.sample_peak() if worker is not None else None
    path.unlink()
    directory.rmdir()

    job_rate, upsert_rate = count / job_seconds, count / upsert_seconds
    replay_rate = count / replay_seconds
    runs_on = "Celery worker, 2 processes" if context.celery else "in-process (no Redis)"
    rows_out = [
        Row(
            "5 import job",
            f"{count:,} leads, upload to done",
            "leads/s",
            job_rate,
            limit=copy_rate,
            naive=upsert_rate,
            higher_is_better=True,
            target="≤2× limit",
            passed=copy_rate / job_rate <= 2 and job["created"] == count,
            note=(
                f"{size / 1e6:.1f} MB semicolon CSV over HTTP, job on {runs_on}; "
                f"naive = the same rows through bulk-upsert, 1000 per call, one client "
                f"({upsert_rate:,.0f} leads/s); job {job_rate / upsert_rate:.2f}× bulk-upsert, "
                f"COPY {copy_rate / job_rate:.2f}× the job; the job's own rate "
                f"{job['rows_per_second']:,.0f} rows/s"
            ),
        ),
        Row(
            "5 import job",
            "bulk-upsert calls, same rows",
            "leads/s",
            upsert_rate,
            limit=copy_rate,
            higher_is_better=True,
            passed=upserted["created"] == count,
            note=f"answers {upserted}",
        ),
        Row(
            "5 import job",
            "same file again (all unchanged)",
            "leads/s",
            replay_rate,
            limit=copy_rate,
            higher_is_better=True,
            target="≥2× the first import",
            passed=replay_rate >= 2 * job_rate and replay["unchanged"] == count,
            note=f"created {replay['created']}, unchanged {replay['unchanged']}",
        ),
    ]
    if peak is not None:
        rows_out.append(
            Row(
                "5 import job",
                "worker peak memory",
                "MB",
                peak,
                target="<300 MB",
                passed=peak < 300,
                note="VmHWM of the worker and its pool processes",
            )
        )
    return rows_out
