"""Helpers the scenarios share: the benchmark portrait and evaluated leads."""

from __future__ import annotations

import copy

from bench import environment
from bench.environment import make_user
from portrait.demo import PORTRAIT


def create_benchmark_portrait():
    """A new draft version of the benchmark portrait (its segments and exclusions have ids)."""
    from portrait.services import portrait_create

    admin = make_user("bench-admin", "admins")
    return portrait_create(user=admin, data=copy.deepcopy(PORTRAIT))


def publish(portrait) -> None:
    """Publish ``portrait``; whatever re-evaluation it starts goes to the Celery broker."""
    from portrait.services import portrait_publish

    portrait_publish(portrait=portrait, user=make_user("bench-admin", "admins"))


def publish_benchmark_portrait():
    """Create and publish the benchmark portrait, its re-evaluation run in-process at once.

    For scenarios that measure something else: no task is left waiting in the broker.
    """
    from config.celery import app

    portrait = create_benchmark_portrait()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        publish(portrait)
    finally:
        app.conf.task_always_eager = eager
    return portrait


def load_evaluated_leads(count: int, *, seed: int, log) -> None:
    """Replace the leads with ``count`` generated ones, evaluated by the benchmark portrait."""
    from qualification.evaluation.writes import leads_evaluate
    from qualification.models import Lead

    environment.truncate_leads()
    portrait = publish_benchmark_portrait()
    environment.load_leads(count, seed=seed, log=log)
    leads_evaluate(queryset=Lead.objects.all(), portrait=portrait)
    environment.vacuum_analyze()
