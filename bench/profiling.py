"""``python -m bench --profile``: where a request's time goes, under pyinstrument.

The hot requests of the benchmark (the lead list, the queue page, a bulk push of fresh
leads and its replay) run in-process through Django's test client on the benchmark's
data, each under pyinstrument: a sampling profiler, so the profiled code runs at nearly
its own speed and a profile shows whole call stacks, the database's waits included.
Each target's profile is written as HTML into ``bench/results/`` and its call tree is
printed. No figure of the table comes from a profiled run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import environment
from bench.context import Context
from bench.report import RESULTS_DIRECTORY, timestamp

PUSHES = 5  # batches of the sync scenario's size
READS = 30
INTERVAL = 0.0005  # seconds between samples


@dataclass(frozen=True)
class Profiled:
    target: str
    html: Path
    text: str


def profile_call(target: str, work: Callable[[], object], *, directory: Path) -> Profiled:
    """Run ``work`` under pyinstrument; write its HTML profile into ``directory``."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=INTERVAL)
    profiler.start()
    try:
        work()
    finally:
        profiler.stop()
    directory.mkdir(parents=True, exist_ok=True)
    html = directory / f"profile-{timestamp()}-{target}.html"
    html.write_text(profiler.output_html(), encoding="utf-8")
    return Profiled(target, html, profiler.output_text(unicode=False, color=False))


def _targets(context: Context) -> dict[str, Callable[[], object]]:
    from django.test import Client
    from django.urls import reverse

    from bench.scenarios.sync import BATCH, PATH, _bodies
    from qualification import demo_data as data

    integration = environment.make_user("bench-erp", "integrations")
    manager = environment.make_user("bench-manager", "sales_managers")
    pusher, reader = Client(), Client()
    reader.force_login(manager)
    start = context.leads["reads"]
    bodies = _bodies(list(data.generate_leads(PUSHES * BATCH, seed=context.seed, start=start)))

    def push() -> None:
        for body in bodies:
            response = pusher.post(
                PATH,
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {integration.token}",
            )
            if response.status_code != 200:
                raise RuntimeError(f"bulk-upsert answered {response.status_code}")

    def reads(path: str) -> Callable[[], None]:
        def read() -> None:
            for _ in range(READS):
                if reader.get(path).status_code != 200:
                    raise RuntimeError(f"{path} did not answer 200")

        return read

    return {  # the reads first: they see the leads loaded, not those the pushes add
        "lead-list": reads("/api/v1/leads/?page_size=50"),
        "queue-page": reads(reverse("qualification:queue")),
        "sync-insert": push,
        "sync-replay": push,  # the same bodies again: every lead unchanged
    }


def run(context: Context) -> list[Profiled]:
    from bench.scenarios.common import load_evaluated_leads

    count = context.leads["reads"]
    context.log(f"profile: loading {count:,} leads")
    load_evaluated_leads(count, seed=context.seed, log=context.log)
    profiles = []
    for target, work in _targets(context).items():
        context.log(f"profile: {target}")
        profiles.append(profile_call(target, work, directory=RESULTS_DIRECTORY))
    return profiles
