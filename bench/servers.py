"""Gunicorn and Celery worker subprocesses for the benchmark, and their peak memory."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.environment import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# The benchmark measures the work, not the API's limits: a replay pushes faster than the
# default bulk rate allows (120 batches a minute). Set in the environment, they still win.
_THROTTLES_OFF = {"API_THROTTLE_USER": "off", "API_THROTTLE_BULK": "off"}


def _environment() -> dict:
    return {
        **_THROTTLES_OFF,
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONUNBUFFERED": "1",
    }


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def peak_rss_mb(pid: int) -> float:
    """The highest resident set (VmHWM) of ``pid`` and of any process below it, in MB."""
    peak = 0
    for process in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


class Gunicorn:
    """``gunicorn config.wsgi`` with the bench settings on a free loopback port."""

    def __init__(self, *, workers: int = 2, root: Path = PROJECT_ROOT, environment=None):
        """``root``: the project to serve (another checkout, to compare); ``environment``:
        variables over the bench's own (another database, say)."""
        self.port = free_port()
        self.workers = workers
        self.root = root
        self.environment = environment or {}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=self.root,
            env={**_environment(), **self.environment},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/api/v1/")
                connection.getresponse().read()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn exited at start-up") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CeleryWorker:
    """A Celery worker (prefork, ``concurrency`` processes) on the bench's own queue."""

    def __init__(self, *, concurrency: int = 2):
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.peak_mb = 0.0

    def __enter__(self) -> CeleryWorker:
        queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                # A module wrapping the app with a monkeypatch measures a proposed fix.
                os.environ.get("BENCH_CELERY_APP", "config"),
                "worker",
                "--queues",
                queue,
                "--concurrency",
                str(self.concurrency),
                "--pool",
                "prefork",
                "--loglevel",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=PROJECT_ROOT,
            env=_environment(),
            stdout=sys.stderr,  # the banner must not mix with the result table
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        # Ready when the pool's children exist; the broker buffers anything sent earlier.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the Celery worker exited at start-up")
            if len(descendants(self.process.pid)) >= self.concurrency:
                return
            time.sleep(0.2)
        raise RuntimeError("the Celery worker did not start within 30 s")

    def sample_peak(self) -> float:
        if self.process and self.process.poll() is None:
            self.peak_mb = max(self.peak_mb, peak_rss_mb(self.process.pid))
        return self.peak_mb

    def __exit__(self, *exc_info) -> None:
        self.sample_peak()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
