"""Faults injected into a real stack: work survives the worker and the broker.

Each test starts a Redis of its own on a free port (never the shared one) and Celery
worker processes against the test database, then kills a worker in the middle of a
re-evaluation, restarts Redis without its data in the middle of one, or publishes
while Redis is down. Nobody acts afterwards but the sweep, called here as beat calls
it: every lead must end holding the new version's evaluation (a lead whose outcome the
new version does not change keeps its row untouched), and no alert e-mail may go out
twice.
"""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu import pools
from rest_framework.test import APIClient

from config.background import background_sweep
from config.outbox.models import OutboxMessage
from crm.contracts.services import contract_sign
from crm.models import Negotiation
from crm.negotiations.alerts import negotiations_overdue_alert
from crm.negotiations.services import negotiation_open
from portrait import roles
from portrait.choices import DocumentStatus
from portrait.models import Portrait
from portrait.services import portrait_publish
from qualification import scoring
from qualification.evaluation.explain import lead_values, portrait_rules
from qualification.evaluation.writes import leads_evaluate
from qualification.funnel.alerts import ALERT_SEND_TASK, alerts_check
from qualification.models import Alert, EvaluationRun, EvaluationRunStatus, Lead
from tests.conftest import celery_worker_start, celery_worker_wait
from tests.crm.factories import contract_data, qualified_lead
from tests.portrait.factories import PortraitFactory, SegmentFactory
from tests.qualification.funnel_factories import SalesPlanFactory, published_portrait

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.fault,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

logger = logging.getLogger(__name__)

# The sweep's stall period here, and the workers' visibility timeout with it.
STALL_SECONDS = 2
LEADS = 1000
# Ten chunks; the fourth waits on a lead the test holds, so the fault hits mid-run. The
# held lead has 300 employees: the new version moves it into its segment, so its chunk
# must write it (a lead whose outcome holds is not written, so not waited on).
CHUNK_SIZE = 100
HELD_LEAD_OFFSET = 355
RECOVERY_SECONDS = 40
LARGE = {"all": [{"field": "employees", "op": "gte", "value": 250}]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """Stop it at once: what it held in memory is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def queued(self, queue: str) -> int:
        return redis.Redis(port=self.port).llen(queue)


class Stack:
    """Redis, the workers and the mail they send, for one test."""

    def __init__(self, app, directory: Path):
        self.app = app
        self.directory = directory
        self.redis = RedisServer(directory)
        self.queue = f"fault-{os.getpid()}-{time.monotonic_ns()}"
        self.mail_log = directory / "mail.jsonl"
        self.mail_log.touch()
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, **environment: str) -> subprocess.Popen:
        number = len(self.workers) + 1
        worker = celery_worker_start(
            **environment,
            queue=self.queue,
            name=f"fault{number}",
            CELERY_BROKER_URL=self.redis.url,
            BACKGROUND_STALL_SECONDS=str(STALL_SECONDS),
            DJANGO_EMAIL_BACKEND="tests.mail_log.MailLogBackend",
            TEST_MAIL_LOG=str(self.mail_log),
        )
        self.workers.append(worker)
        celery_worker_wait(self.app)
        return worker

    def kill_worker(self, worker: subprocess.Popen) -> None:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        self.redis.kill()

    def mails(self) -> Counter:
        lines = self.mail_log.read_text(encoding="utf-8").splitlines()
        return Counter((entry["subject"], tuple(entry["to"])) for entry in map(json.loads, lines))


def _reset_producers(app) -> None:
    """Close every pooled broker connection, so the next send uses the broker set now.

    Kombu keeps its pools in a registry by broker address: a pool closed but left
    there would refuse a later test on that address.
    """
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def stack(transactional_db, settings, monkeypatch, tmp_path):
    """A Redis and workers of the test's own; the test process sends its tasks there."""
    from config.celery import app

    stack = Stack(app, tmp_path)
    stack.redis.start()
    saved = {
        "task_always_eager": app.conf.task_always_eager,
        "task_default_queue": app.conf.task_default_queue,
        "broker_transport_options": app.conf.broker_transport_options,
    }
    # Celery reads the environment's broker before its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", stack.redis.url)
    app.conf.broker_url = stack.redis.url
    app.conf.task_always_eager = False
    app.conf.task_default_queue = stack.queue
    app.conf.broker_transport_options = {"visibility_timeout": STALL_SECONDS}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": CHUNK_SIZE}
    _reset_producers(app)
    try:
        yield stack
    finally:
        stack.stop()
        for name, value in saved.items():
            setattr(app.conf, name, value)
        _reset_producers(app)


class RowHold:
    """A lead row locked from a connection of its own, until released."""

    def __init__(self, lead_id: int):
        parameters = connection.get_connection_params()
        keys = ("dbname", "user", "password", "host", "port")
        self.connection = psycopg.connect(
            **{key: parameters[key] for key in keys if key in parameters}
        )
        self.connection.execute(
            f"SELECT id FROM {Lead._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608
            [lead_id],
        )

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


def wait_until(condition, *, timeout: float, what: str) -> float:
    """Poll ``condition`` until it holds; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def a_chunk_waits_on_the_held_lead() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def leads_not_holding(portrait: Portrait) -> int:
    """How many leads store an outcome other than ``portrait``'s, computed in Python."""
    rules = portrait_rules(portrait)
    differing = 0
    for lead in Lead.objects.all():
        expected = scoring.evaluate_values(lead_values(lead), **rules)
        stored = (lead.segment_id, lead.suggested_verdict, lead.fit_score)
        differing += stored != (
            expected.segment_id,
            expected.suggested_verdict,
            expected.fit_score,
        ) or sorted(lead.exclusions_hit or []) != sorted(expected.exclusions_hit)
    return differing


class Scene:
    """A thousand leads on the version in force, a new version to publish, and alert causes."""

    def __init__(self, make_user):
        self.in_force = published_portrait()
        Lead.objects.bulk_create(
            Lead(source="erp", external_id=f"fault-{index}", employees=(index % 7) * 60)
            for index in range(LEADS - 1)
        )
        self.admin = make_user(roles.ADMINS)
        self.manager = make_user(roles.SALES_MANAGERS, email="boss@example.com")
        seller = make_user(roles.SALES)
        contract, _client = contract_sign(
            lead=qualified_lead(seller), user=seller, data=contract_data("K-1"), clauses=[]
        )
        self.negotiation = negotiation_open(
            user=seller,
            client=contract.client,
            question="Price",
            deadline=timezone.now() + timedelta(days=1),
        )
        Negotiation.objects.filter(pk=self.negotiation.pk).update(
            deadline=timezone.now() - timedelta(days=1)
        )
        SalesPlanFactory(target_contracts=100)
        leads_evaluate(queryset=Lead.objects.all(), portrait=self.in_force)
        self.draft = PortraitFactory(name="New version")
        SegmentFactory(portrait=self.draft, criteria=LARGE, priority=1)
        lowest = Lead.objects.order_by("id").values_list("id", flat=True).first()
        self.held_lead_id = lowest + HELD_LEAD_OFFSET

    def raise_alerts(self) -> None:
        """Record the alerts: their sends are asked for."""
        assert len(alerts_check()) == 1
        assert negotiations_overdue_alert() == 1

    def send_alerts_again(self, stack: Stack) -> None:
        """Send each alert's message twice more, as a redelivery would."""
        for alert_id in Alert.objects.values_list("id", flat=True):
            for _ in range(2):
                stack.app.send_task(ALERT_SEND_TASK, args=[alert_id])

    def run(self) -> EvaluationRun:
        return EvaluationRun.objects.get(portrait=self.draft)

    def is_settled(self) -> bool:
        return (
            self.run().status == EvaluationRunStatus.DONE
            and leads_not_holding(self.draft) == 0
            and not Alert.objects.filter(sent_at__isnull=True).exists()
            and Negotiation.objects.get(pk=self.negotiation.pk).overdue_alerted_at is not None
        )

    def recover(self, stack: Stack) -> float:
        """Sweep as beat does, until every lead is on the new version and every mail went out."""

        def swept_and_settled() -> bool:
            background_sweep(grace_seconds=0, stall_seconds=STALL_SECONDS)
            negotiations_overdue_alert(
                stalled_before=timezone.now() - timedelta(seconds=STALL_SECONDS)
            )
            return self.is_settled()

        took = wait_until(swept_and_settled, timeout=RECOVERY_SECONDS, what="the recovery")
        # Let the duplicates still queued run too before counting the mails.
        wait_until(lambda: stack.redis.queued(stack.queue) == 0, timeout=10, what="the queue")
        time.sleep(0.5)
        return took

    def assert_recovered(self, stack: Stack) -> None:
        run = self.run()
        assert (run.status, run.done_chunks, run.total_chunks) == (
            EvaluationRunStatus.DONE,
            LEADS // CHUNK_SIZE,
            LEADS // CHUNK_SIZE,
        )
        published = Portrait.objects.get(status=DocumentStatus.PUBLISHED)
        assert published.pk == self.draft.pk
        assert leads_not_holding(published) == 0
        # Those the new version moved into its segment were written under it.
        assert Lead.objects.filter(evaluated_portrait=published).count() == (
            Lead.objects.filter(employees__gte=250).count()
        )
        mails = stack.mails()
        assert sorted(subject for subject, _to in mails) == [
            "Negotiation overdue: " + str(self.negotiation.client),
            "Portrait CRM alert: The pool cannot cover the plan",
        ]
        assert set(mails.values()) == {1}, mails


@pytest.fixture
def scene(stack, make_user):
    return Scene(make_user)


def test_a_worker_killed_mid_run_leaves_no_lead_behind_once_swept(stack, scene):
    worker = stack.start_worker()
    hold = RowHold(scene.held_lead_id)
    try:
        portrait_publish(portrait=scene.draft, user=scene.admin)
        wait_until(a_chunk_waits_on_the_held_lead, timeout=20, what="the fourth chunk")
        scene.raise_alerts()
        scene.send_alerts_again(stack)
        done_before_the_kill = scene.run().done_chunks
        stack.kill_worker(worker)
    finally:
        hold.release()
    stack.start_worker()

    took = scene.recover(stack)

    logger.info("killed after %s chunks; recovered in %.1f s", done_before_the_kill, took)
    assert done_before_the_kill == 3
    scene.assert_recovered(stack)


def test_redis_restarted_mid_run_without_its_data_leaves_no_lead_behind_once_swept(stack, scene):
    stack.start_worker()
    hold = RowHold(scene.held_lead_id)
    try:
        portrait_publish(portrait=scene.draft, user=scene.admin)
        wait_until(a_chunk_waits_on_the_held_lead, timeout=20, what="the fourth chunk")
        scene.raise_alerts()
        scene.send_alerts_again(stack)
        queued_before_the_restart = stack.redis.queued(stack.queue)
        stack.redis.kill()
        stack.redis.start()
    finally:
        hold.release()

    took = scene.recover(stack)

    logger.info("%s messages lost; recovered in %.1f s", queued_before_the_restart, took)
    # Six chunks, the alert, its two copies and the negotiation's alert.
    assert queued_before_the_restart == 10
    scene.assert_recovered(stack)


def test_a_publish_while_redis_is_down_answers_keeps_its_run_and_completes_once_swept(stack, scene):
    stack.start_worker()
    stack.redis.kill()
    api = APIClient()
    api.force_authenticate(scene.admin)

    started = time.monotonic()
    response = api.post(reverse("v1:portrait-publish", args=[scene.draft.pk]))
    answered_in = time.monotonic() - started
    scene.raise_alerts()

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert (scene.run().status, scene.run().total_chunks) == (EvaluationRunStatus.PENDING, 10)
    assert OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 3

    stack.redis.start()
    scene.send_alerts_again(stack)
    took = scene.recover(stack)

    logger.info("publish answered in %.1f s; recovered in %.1f s", answered_in, took)
    scene.assert_recovered(stack)
