"""``python -m bench --compare REF``: this tree's sync pushes against git REF's, interleaved.

This machine's speed drifts within minutes (the COPY limit moved between 48,000 and
76,000 leads/s in one session), so two runs an hour apart compare the machine as much
as the code. Here both trees serve at once: REF checked out in a temporary git
worktree, each tree behind its own gunicorn and on its own database, and the same
batches go to one then the other, which goes first alternating, so both meet the same
moments of the machine. Fresh inserts first, then the same batches again (the replay).
Both servers run under this interpreter: REF must install with today's requirements.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import environment
from bench.context import Context
from bench.servers import PROJECT_ROOT, Gunicorn

# Run in each tree, so it uses only what the bench has offered for several releases.
_SET_UP_TREE = """
import os
from bench import environment
from bench.scenarios.common import publish_benchmark_portrait
environment.setup_django(database_url=os.environ["DATABASE_URL"], broker_url="")
environment.truncate_leads()
publish_benchmark_portrait()
print(environment.make_user("bench-erp", "integrations").token)
environment.vacuum_analyze()
"""


@dataclass(frozen=True)
class Timings:
    """Seconds per batch of one tree in one phase."""

    seconds: list[float]
    batch: int

    @property
    def leads_per_second(self) -> float:
        return self.batch * len(self.seconds) / sum(self.seconds)

    def line(self, label: str) -> str:
        ordered = sorted(self.seconds)
        tenth = ordered[len(ordered) // 10]
        return (
            f"{label:24s} {self.leads_per_second:9,.0f} leads/s   per batch: mean "
            f"{statistics.mean(ordered) * 1000:6.1f} ms, median "
            f"{statistics.median(ordered) * 1000:6.1f} ms, fastest tenth {tenth * 1000:6.1f} ms"
        )


def interleaved(pushes: list[Callable[[bytes], None]], bodies: list[bytes]) -> list[list[float]]:
    """Send every body to every push, alternating which goes first; seconds per push."""
    seconds: list[list[float]] = [[] for _ in pushes]
    for number, body in enumerate(bodies):
        order = range(len(pushes)) if number % 2 == 0 else reversed(range(len(pushes)))
        for index in order:
            started = time.perf_counter()
            pushes[index](body)
            seconds[index].append(time.perf_counter() - started)
    return seconds


def _database_url(base_url: str, suffix: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=f"{parts.path}_{suffix}"))


def _set_up(root: Path, database_url: str) -> str:
    """Create ``root``'s benchmark database anew, migrate it, publish the portrait.

    Anew, so that no schema a newer tree migrated to is left for an older one. Returns
    the integration account's token.
    """
    environment.recreate_database(database_url)
    done = subprocess.run(
        [sys.executable, "-c", _SET_UP_TREE],
        cwd=root,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"setting up {root} failed:\n{done.stderr[-3000:]}")
    return done.stdout.split()[-1]


def _pusher(port: int, token: str) -> Callable[[bytes], None]:
    from bench.scenarios.sync import push_batch

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    return lambda body: push_batch(connection, token, body)


def run(context: Context, *, ref: str, database_url: str) -> list[str]:
    """Compare this tree with ``ref``; return the printed lines."""
    from bench.scenarios.sync import BATCH, _bodies
    from qualification import demo_data as data

    count = context.leads["sync"]
    bodies = _bodies(list(data.generate_leads(count, seed=context.seed)))
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as directory:
        other = Path(directory) / "tree"
        added = subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), ref],
            cwd=PROJECT_ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            raise RuntimeError(f"git worktree add {ref} failed: {added.stderr.strip()}")
        try:
            trees = {"this tree": PROJECT_ROOT, ref: other}
            context.log(f"compare: setting up both trees' databases; {count:,} leads each")
            urls = {
                label: _database_url(database_url, f"compare{number}")
                for number, label in enumerate(trees)
            }
            tokens = {label: _set_up(root, urls[label]) for label, root in trees.items()}
            with contextlib.ExitStack() as running:
                # One after the other: each takes its free port once the other listens.
                pushes = []
                for label, root in trees.items():
                    server = running.enter_context(
                        Gunicorn(
                            root=root,
                            environment={"DATABASE_URL": urls[label], "CELERY_BROKER_URL": ""},
                        )
                    )
                    pushes.append(_pusher(server.port, tokens[label]))
                context.log("compare: fresh inserts, interleaved")
                inserts = interleaved(pushes, bodies)
                context.log("compare: replay, interleaved")
                replays = interleaved(pushes, bodies)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)],
                cwd=PROJECT_ROOT,
                check=False,
                capture_output=True,
            )
    lines = [f"{count:,} leads in batches of {BATCH}, interleaved batch by batch"]
    for phase, seconds in (("inserts", inserts), ("replay", replays)):
        for label, timings in zip(trees, seconds, strict=True):
            lines.append(Timings(timings, BATCH).line(f"{phase}, {label}"))
    return lines
