"""Helpers the scenarios share: the published benchmark portrait and its rules."""

from __future__ import annotations

import copy
import time

from bench.environment import make_user
from bench.portrait import PORTRAIT


def publish_benchmark_portrait(*, wait_seconds: float = 60):
    """Create and publish a new version of the benchmark portrait; wait for its own run."""
    from portrait.services import portrait_create, portrait_publish
    from qualification.models import EvaluationRun

    admin = make_user("bench-admin", "admins")
    portrait = portrait_create(user=admin, data=copy.deepcopy(PORTRAIT))
    portrait_publish(portrait=portrait, user=admin)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        runs = EvaluationRun.objects.filter(portrait=portrait)
        if runs.exists() and not runs.filter(status__in=["pending", "running"]).exists():
            break
        if not runs.exists() and time.monotonic() > deadline - wait_seconds + 3:
            break  # publishing started no run of its own
        time.sleep(0.1)
    return portrait


def rules(portrait):
    from qualification.scoring import Rule

    segments = [
        Rule(id=s.id, name=s.name, criteria=s.criteria, priority=s.priority)
        for s in portrait.segments.all()
    ]
    exclusions = [
        Rule(id=e.id, name=e.name, criteria=e.criteria) for e in portrait.exclusions.all()
    ]
    return segments, exclusions
