import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portrait import roles
from tests.factories import UserFactory

ALL_ROLES = [roles.ADMINS, roles.SALES, roles.SALES_MANAGERS, roles.TECHNICAL, roles.INTEGRATIONS]


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_worker = pytest.mark.skip(reason="needs Redis and a Celery worker (set CELERY_BROKER_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)
        if "celery_worker" in item.keywords and not settings.CELERY_BROKER_URL:
            item.add_marker(skip_worker)


@pytest.fixture
def make_user(db):
    """Create a user holding the given roles: ``make_user(roles.SALES)``."""

    def make(*role_names: str, **fields):
        return UserFactory(roles=list(role_names), **fields)

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(make_user):
    """An API client authenticated as a new user with the given roles."""

    def make(*role_names: str, **fields) -> APIClient:
        client = APIClient()
        user = make_user(*role_names, **fields)
        client.force_authenticate(user)
        client.user = user
        return client

    return make


class BrokerStub:
    """Takes the tasks the code sends instead of Redis; ``down`` refuses them as Redis would.

    ``work()`` runs what was sent, and what that sends, as a worker would.
    """

    def __init__(self, capture_on_commit_callbacks):
        self.sent: list[tuple[str, tuple]] = []
        self.down = False
        self._capture = capture_on_commit_callbacks

    def send_task(self, name, args=None, kwargs=None, **options):
        from kombu.exceptions import OperationalError

        if self.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((name, tuple(args or ())))

    def work(self) -> list[tuple[str, tuple]]:
        from config.celery import app

        done = []
        while self.sent:
            name, args = self.sent.pop(0)
            with self._capture(execute=True):
                app.tasks[name].apply(args=args, throw=True)
            done.append((name, args))
        return done


@pytest.fixture
def broker(monkeypatch, settings, django_capture_on_commit_callbacks):
    """Tasks go to a broker (a stand-in, ``BrokerStub``) instead of running at once."""
    from config.celery import app

    stub = BrokerStub(django_capture_on_commit_callbacks)
    monkeypatch.setattr(app, "send_task", stub.send_task)
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield stub
    finally:
        app.conf.task_always_eager = True


def celery_worker_start(*, queue: str, name: str = "worker", **environment: str):
    """Start a Celery worker process on ``queue`` against the test database.

    ``environment`` adds to (or overrides) the process's environment: another broker,
    shorter timeouts, a mail backend. The caller stops the process.
    """
    database_name = connection.settings_dict["NAME"]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--loglevel=warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database_name}",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            **environment,
        },
    )


def celery_worker_wait(app, timeout: float = 60) -> None:
    """Wait until a worker answers a ping through ``app``'s broker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0, destination=None):
            return
    raise RuntimeError("the Celery worker did not start")


@pytest.fixture
def real_celery_worker(transactional_db, settings):
    """A real Celery worker process consuming from Redis against the test database.

    Tasks are sent through the broker (not run eagerly) for the duration of the test.
    """
    from config.celery import app

    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    process = celery_worker_start(queue=queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        celery_worker_wait(app)
        yield process
    finally:
        app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)
