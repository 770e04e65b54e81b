"""Scenario 2: leads through ``POST /api/v1/leads/bulk-upsert/`` over HTTP to gunicorn.

Fresh inserts, the same batches again (replay: nothing changes) and a push where
one lead in ten changed; leads per second for each, against (a) a psycopg
``COPY`` of the same rows into the same table and (b) one DRF ``POST`` per lead
through a plain ``ModelViewSet`` (``bench/naive_api.py``), sampled.
"""

from __future__ import annotations

import http.client
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench import environment
from bench.context import Context
from bench.load import request_json
from bench.report import Row
from bench.scenarios.common import publish_benchmark_portrait
from bench.servers import Gunicorn
from qualification import demo_data as data

BATCH = 1000
CLIENTS = 2  # concurrent pushes, one per gunicorn worker and core of the benchmark machine
SOURCE = "erp"
PATH = "/api/v1/leads/bulk-upsert/"


def _item(lead: dict) -> dict:
    item = data.to_json(lead)
    item.pop("source")
    return item


def _bodies(leads: list[dict]) -> list[bytes]:
    return [
        json.dumps(
            {"source": SOURCE, "leads": [_item(lead) for lead in leads[i : i + BATCH]]}
        ).encode()
        for i in range(0, len(leads), BATCH)
    ]


def push_batch(connection: http.client.HTTPConnection, token: str, body: bytes) -> dict:
    """POST one batch to bulk-upsert; its report, or an error unless it answered 200."""
    status, answer = request_json(connection, "POST", PATH, token=token, body=body)
    if status != 200:
        raise RuntimeError(f"bulk-upsert answered {status}: {str(answer)[:500]}")
    return answer


def _push_serially(port: int, token: str, bodies: list[bytes]) -> Counter:
    totals: Counter = Counter(created=0, updated=0, unchanged=0, errors=0)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for body in bodies:
        answer = push_batch(connection, token, body)
        totals.update({key: answer[key] for key in ("created", "updated", "unchanged")})
        totals["errors"] += len(answer["errors"])
    connection.close()
    return totals


def _push(port: int, token: str, bodies: list[bytes], *, clients: int = 1) -> tuple[float, dict]:
    """Push the batches from ``clients`` keep-alive connections at once, each its share."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        shares = [bodies[index::clients] for index in range(clients)]
        answers = [pool.submit(_push_serially, port, token, share) for share in shares]
        totals = sum((answer.result() for answer in answers), Counter())
    seconds = time.perf_counter() - started
    return seconds, {key: totals[key] for key in ("created", "updated", "unchanged", "errors")}


def _naive(port: int, token: str, leads: list[dict]) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    bodies = []
    for lead in leads:
        item = data.to_json(lead)
        item["source_updated_at"] = item.pop("updated_at")
        bodies.append(json.dumps(item).encode())
    started = time.perf_counter()
    for body in bodies:
        status, answer = request_json(connection, "POST", "/naive/leads/", token=token, body=body)
        if status != 201:
            raise RuntimeError(f"naive POST answered {status}: {str(answer)[:500]}")
    seconds = time.perf_counter() - started
    connection.close()
    return len(leads) / seconds


def _copy_share(rows: list[tuple]) -> None:
    from django.db import connection

    try:
        environment.copy_leads(rows)
    finally:
        connection.close()


def _copy_limit(rows: list[tuple], *, streams: int = 1) -> float:
    """Leads/s of ``COPY`` of ``rows`` into the lead table from ``streams`` connections."""
    environment.truncate_leads()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=streams) as pool:
        shares = [rows[index::streams] for index in range(streams)]
        for done in [pool.submit(_copy_share, share) for share in shares]:
            done.result()
    seconds = time.perf_counter() - started
    environment.truncate_leads()
    return len(rows) / seconds


def run(context: Context) -> list[Row]:
    count = context.leads["sync"]
    context.log(f"sync: preparing {count:,} leads")
    environment.truncate_leads()
    publish_benchmark_portrait()
    integration = environment.make_user("bench-erp", "integrations")
    leads = list(data.generate_leads(count, seed=context.seed))
    fresh = _bodies(leads)
    changed_leads = [
        data.changed(lead, seed=context.seed) if index % 10 == 0 else lead
        for index, lead in enumerate(leads)
    ]
    changed = _bodies(changed_leads)
    rows = environment.copy_rows(dict(lead, source=SOURCE) for lead in leads)
    copy_rate = _copy_limit(rows)
    parallel_copy_rate = _copy_limit(rows, streams=CLIENTS)
    context.log(
        f"sync: COPY limit {copy_rate:,.0f} leads/s, {parallel_copy_rate:,.0f} from "
        f"{CLIENTS} streams; pushing over HTTP"
    )
    environment.vacuum_analyze()

    with Gunicorn(workers=CLIENTS) as server:
        parallel_seconds, parallel = _push(server.port, integration.token, fresh, clients=CLIENTS)
        context.log(f"sync: inserts from {CLIENTS} clients {parallel_seconds:.1f}s {parallel}")
        environment.truncate_leads()
        environment.vacuum_analyze()
        insert_seconds, inserted = _push(server.port, integration.token, fresh)
        context.log(f"sync: inserts {insert_seconds:.1f}s {inserted}")
        environment.vacuum_analyze()
        replay_seconds, replayed = _push(server.port, integration.token, fresh)
        context.log(f"sync: replay {replay_seconds:.1f}s {replayed}")
        changed_seconds, updated = _push(server.port, integration.token, changed)
        context.log(f"sync: 10% changed {changed_seconds:.1f}s {updated}")
        naive_leads = list(
            data.generate_leads(context.naive_posts, seed=context.seed + 1, start=count)
        )
        naive_rate = _naive(server.port, integration.token, naive_leads)
        context.log(f"sync: naive {naive_rate:,.0f} leads/s")

    insert_rate = count / insert_seconds
    parallel_rate = count / parallel_seconds
    replay_rate = count / replay_seconds
    changed_rate = count / changed_seconds
    expected_changes = len(range(0, count, 10))
    note = f"batches of {BATCH}, one client, gunicorn --workers {CLIENTS}"
    return [
        Row(
            "2 sync",
            f"{count:,} fresh inserts",
            "leads/s",
            insert_rate,
            limit=copy_rate,
            naive=naive_rate,
            higher_is_better=True,
            target="≤4× limit",
            passed=copy_rate / insert_rate <= 4 and inserted["created"] == count,
            note=f"{note}; answers {inserted}; naive = {context.naive_posts} single POSTs",
        ),
        Row(
            "2 sync",
            f"{count:,} fresh inserts, {CLIENTS} clients",
            "leads/s",
            parallel_rate,
            limit=parallel_copy_rate,
            higher_is_better=True,
            target="≤4× limit",
            passed=parallel_copy_rate / parallel_rate <= 4 and parallel["created"] == count,
            note=(
                f"{CLIENTS} keep-alive clients, each every {CLIENTS}th batch; limit = COPY "
                f"from {CLIENTS} connections at once; answers {parallel}"
            ),
        ),
        Row(
            "2 sync",
            "replay (all unchanged)",
            "leads/s",
            replay_rate,
            limit=copy_rate,
            naive=naive_rate,
            higher_is_better=True,
            target="≥2× inserts",
            passed=replay_rate >= 2 * insert_rate and replayed["unchanged"] == count,
            note=f"answers {replayed}",
        ),
        Row(
            "2 sync",
            "10% changed",
            "leads/s",
            changed_rate,
            limit=copy_rate,
            naive=naive_rate,
            higher_is_better=True,
            target=f"{expected_changes:,} updated",
            passed=updated["updated"] == expected_changes,
            note=f"answers {updated}",
        ),
    ]
