"""Scenario 3: the lead list endpoint, the qualification queue page, the dashboard and stage
2's lists and pages (clients, contracts, a client's page) under load.

Requests per second and p50/p99 latency from keep-alive clients in threads
against gunicorn on loopback, and the queries per request counted in-process:
for the list and the queue at two page sizes (the count must not grow with the
page), for the dashboard once.
"""

from __future__ import annotations

from bench import environment
from bench.context import Context
from bench.load import run_load
from bench.report import Row
from bench.scenarios.common import load_clients, load_evaluated_leads
from bench.servers import Gunicorn

LIST_PATHS = [
    "/api/v1/leads/?page_size=50",
    "/api/v1/leads/?page_size=50&suggested_verdict=interesting",
    "/api/v1/leads/?page_size=50&stage=new&source=erp",
]


def _queries(client, path: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm caches (content types, permissions) like a running server
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def _session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


# Clients signed in the set-up, for stage 2's pages and lists.
CLIENTS = 2000


def _first_client_path() -> str:
    from django.urls import reverse

    from crm.models import Client

    return reverse(
        "crm:client", args=[Client.objects.order_by("id").values_list("id", flat=True)[0]]
    )


def run(context: Context) -> list[Row]:
    from django.test import Client
    from django.urls import reverse

    count = context.leads["reads"]
    context.log(f"reads: loading {count:,} leads")
    load_evaluated_leads(count, seed=context.seed, log=context.log)
    manager = environment.make_user("bench-manager", "sales_managers")
    load_clients(CLIENTS, owner=manager, log=context.log)
    client = Client()
    client.force_login(manager)

    queue, dashboard = reverse("qualification:queue"), reverse("qualification:dashboard")
    first_client = _first_client_path()
    # (label, the path by page size or None for a page without one, the paths loaded)
    targets = [
        ("lead list", "/api/v1/leads/?page_size={size}", LIST_PATHS),
        ("queue page", f"{queue}?page_size={{size}}", [queue]),
        ("dashboard", None, [dashboard]),
        ("client list", "/api/v1/clients/?page_size={size}", ["/api/v1/clients/?page_size=50"]),
        ("contract list", "/api/v1/contracts/?page_size={size}", ["/api/v1/contracts/"]),
        ("clients page", None, [reverse("crm:clients")]),
        ("client page", None, [first_client]),
    ]

    rows: list[Row] = []
    cookie = _session_cookie(manager)
    with Gunicorn(workers=2) as server:
        for label, template, paths in targets:
            counts = {
                size: _queries(client, template.format(size=size) if template else paths[0])
                for size in ((10, 100) if template else (None,))
            }
            load = run_load(
                port=server.port,
                paths=paths,
                headers={"Authorization": f"Token {manager.token}", "Cookie": cookie},
                seconds=context.read_seconds,
                concurrency=4,
            )
            context.log(f"reads: {label} {load.requests_per_second:.0f} req/s, queries {counts}")
            ok = load.errors == 0 and all(status == 200 for status, _ in counts.values())
            rows += [
                Row(
                    "3 reads",
                    f"{label} throughput",
                    "req/s",
                    load.requests_per_second,
                    higher_is_better=True,
                    target="no errors",
                    passed=ok,
                    note=(
                        f"{count:,} leads; {load.requests:,} requests in {load.seconds:.1f}s "
                        f"from 4 keep-alive clients, {load.errors} errors; paths {paths}"
                    ),
                ),
                Row("3 reads", f"{label} p50", "ms", load.p50),
                Row("3 reads", f"{label} p99", "ms", load.p99),
            ]
            if template is None:
                rows.append(Row("3 reads", f"{label} queries", "queries", float(counts[None][1])))
                continue
            rows.append(
                Row(
                    "3 reads",
                    f"{label} queries, page 10 → 100",
                    "queries",
                    float(counts[100][1]),
                    target=f"= {counts[10][1]} (page 10)",
                    passed=counts[100][1] == counts[10][1] and ok,
                    note=f"status and queries by page size: {counts}",
                )
            )
    return rows
