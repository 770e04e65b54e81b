"""Background work of the funnel: re-evaluation on publish, alerts, a real Celery worker."""

import ast
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail

from portrait import roles
from portrait.services import portrait_publish
from qualification.choices import SuggestedVerdict
from qualification.models import Alert, EvaluationRun, EvaluationRunStatus
from qualification.tasks import (
    alerts_check_task,
    evaluation_chunk_task,
    evaluation_run_start_task,
)
from tests.portrait.factories import ExclusionFactory, PortraitFactory, SegmentFactory
from tests.qualification.funnel_factories import SalesPlanFactory, make_lead

LARGE = {"all": [{"field": "employees", "op": "gte", "value": 250}]}
SANCTIONED = {"field": "country", "op": "eq", "value": "RU"}


def draft_portrait():
    portrait = PortraitFactory()
    segment = SegmentFactory(portrait=portrait, criteria=LARGE, priority=1)
    exclusion = ExclusionFactory(portrait=portrait, criteria=SANCTIONED)
    return portrait, segment, exclusion


def make_mixed_leads():
    return {
        "large": make_lead(employees=300, country="UA"),
        "sanctioned": make_lead(employees=300, country="RU"),
        "unknown": make_lead(employees=None, country="UA"),
        "small": make_lead(employees=5, country="PL"),
    }


def assert_evaluated(leads, portrait, segment, exclusion) -> None:
    expected = {
        "large": (segment.id, [], 100, SuggestedVerdict.INTERESTING),
        "sanctioned": (None, [exclusion.id], 0, SuggestedVerdict.NOT_INTERESTING),
        "unknown": (None, [], 0, SuggestedVerdict.NEEDS_REVIEW),
        "small": (None, [], 0, SuggestedVerdict.NOT_INTERESTING),
    }
    for name, lead in leads.items():
        lead.refresh_from_db()
        assert lead.evaluated_portrait_id == portrait.id, name
        assert (
            lead.segment_id,
            lead.exclusions_hit,
            lead.fit_score,
            lead.suggested_verdict,
        ) == expected[name], name


def test_publishing_a_portrait_reevaluates_every_lead(
    make_user, settings, django_capture_on_commit_callbacks
):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 2}
    leads = make_mixed_leads()
    portrait, segment, exclusion = draft_portrait()

    with django_capture_on_commit_callbacks(execute=True):
        published = portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    run = EvaluationRun.objects.get()
    assert (run.portrait_id, run.status, run.done_chunks, run.total_chunks) == (
        published.id,
        EvaluationRunStatus.DONE,
        2,
        2,
    )
    assert_evaluated(leads, published, segment, exclusion)


def test_the_start_task_ignores_a_portrait_no_longer_published(db):
    portrait, _segment, _exclusion = draft_portrait()

    assert evaluation_run_start_task(portrait.pk) is None
    assert evaluation_run_start_task(999999) is None
    assert not EvaluationRun.objects.exists()


def test_the_chunk_task_is_idempotent(db, django_capture_on_commit_callbacks):
    from qualification.evaluation.runs import evaluation_run_plan
    from tests.qualification.funnel_factories import published_portrait

    make_lead(employees=300)
    run = evaluation_run_plan(portrait=published_portrait())
    chunk = run.chunks.get()

    with django_capture_on_commit_callbacks(execute=True):
        assert evaluation_chunk_task(chunk.pk) == 1
    assert evaluation_chunk_task(chunk.pk) == 0
    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE


def test_a_chunk_task_that_raises_fails_its_run_and_a_resume_finishes_it(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    from qualification.evaluation import runs
    from tests.qualification.funnel_factories import published_portrait

    lead = make_lead(employees=300)
    run = runs.evaluation_run_plan(portrait=published_portrait())
    chunk = run.chunks.get()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(runs, "leads_evaluate_range", broken)
        with pytest.raises(RuntimeError, match="database went away"):
            evaluation_chunk_task(chunk.pk)

    run.refresh_from_db()
    chunk.refresh_from_db()
    assert (run.status, chunk.done_at) == (EvaluationRunStatus.FAILED, None)

    with django_capture_on_commit_callbacks(execute=True):
        runs.evaluation_run_resume(run=run)

    run.refresh_from_db()
    lead.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE
    assert lead.evaluated_portrait_id == run.portrait_id


def test_alerts_check_task_records_and_mails(make_user, django_capture_on_commit_callbacks):
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    SalesPlanFactory(target_contracts=100)

    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_check_task() == 1

    assert Alert.objects.get().sent_at is not None
    assert mail.outbox[0].to == ["boss@example.com"]


def app_modules():
    """Every module of the apps but their migrations, with its parsed source."""
    for app in ("portrait", "qualification", "crm"):
        package = importlib.import_module(app)
        for found in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in found.name:
                module = importlib.import_module(found.name)
                yield module, ast.parse(Path(module.__file__).read_text())


def sent_task_names() -> set[str]:
    """The task names the apps' modules hand to ``config.background`` to send."""
    names = set()
    for module, tree in app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {
                "enqueue_on_commit",
                "enqueue_each_on_commit",
            }:
                name = node.args[0]
                names.add(
                    name.value if isinstance(name, ast.Constant) else getattr(module, name.id)
                )
    return names


def test_every_task_the_services_send_is_registered_in_a_web_process():
    names = sorted(sent_task_names())
    assert names == [
        "crm.tasks.delay_notice_send_task",
        "crm.tasks.escalation_deliver_task",
        "crm.tasks.negotiation_overdue_send_task",
        "crm.tasks.webhook_delivery_send_task",
        "qualification.tasks.alert_send_task",
        "qualification.tasks.evaluation_chunk_task",
        "qualification.tasks.evaluation_run_finish_task",
        "qualification.tasks.evaluation_run_start_task",
        "qualification.tasks.evaluation_run_task",
    ]
    # A fresh process that sets Django up as a web server does, and imports no task itself.
    unregistered = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, django; django.setup(); from config.celery import app; "
            "print(json.dumps(sorted(set(sys.argv[1:]) - set(app.tasks))))",
            *names,
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(unregistered.stdout) == []


def test_only_the_app_config_imports_the_tasks():
    # Tasks are an interface over the services: a service that imported them would close a cycle.
    importers = set()
    for module, tree in app_modules():
        for node in ast.walk(tree):
            imported = (
                [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if {"qualification.tasks", "crm.tasks"} & set(imported):
                importers.add(module.__name__)
    assert importers == {"qualification.apps", "crm.apps"}


def test_the_guards_are_checked_periodically(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["funnel-alerts-check"]

    assert schedule["task"] == "qualification.tasks.alerts_check_task"


@pytest.mark.postgres
@pytest.mark.celery_worker
def test_a_publish_reevaluates_leads_through_a_real_worker(real_celery_worker, make_user):
    leads = make_mixed_leads()
    portrait, segment, exclusion = draft_portrait()

    published = portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    deadline = time.monotonic() + 60
    run = None
    while time.monotonic() < deadline:
        run = EvaluationRun.objects.filter(portrait=published).first()
        if run is not None and run.status == EvaluationRunStatus.DONE:
            break
        time.sleep(0.2)
    assert run is not None, "the worker planned no run"
    assert run.status == EvaluationRunStatus.DONE
    assert (run.done_chunks, run.total_chunks, run.lead_count) == (1, 1, 4)
    assert_evaluated(leads, published, segment, exclusion)
