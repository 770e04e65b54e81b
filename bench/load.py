"""A small HTTP load generator: keep-alive connections in threads, loopback only."""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None

    @property
    def p99(self) -> float | None:
        return self.percentile(0.99)


def request_json(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    token: str | None = None,
    headers: dict | None = None,
    body=None,
) -> tuple[int, dict | list | None]:
    headers = {"Accept": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    payload = None
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    try:
        return response.status, (json.loads(data) if data else None)
    except ValueError:
        return response.status, {"body": data[:2000].decode(errors="replace")}


def run_load(
    *, port: int, paths: list[str], headers: dict, seconds: float, concurrency: int = 4
) -> LoadResult:
    """GET the paths round-robin from ``concurrency`` threads for ``seconds``."""
    latencies: list[float] = []
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local, errors, index = [], 0, offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, _ = request_json(
                    connection, "GET", paths[index % len(paths)], headers=headers
                )
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            local.append((time.perf_counter() - started) * 1000)
            errors += status != 200
            index += 1
        connection.close()
        with lock:
            latencies.extend(local)
            counts["requests"] += len(local)
            counts["errors"] += errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(
        counts["requests"], counts["errors"], time.perf_counter() - started, latencies
    )
