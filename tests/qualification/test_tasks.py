"""Background work of the funnel: re-evaluation on publish, alerts, a real Celery worker."""

import ast
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.background import background_sweep
from config.outbox.models import OutboxMessage
from portrait import roles
from portrait.choices import DocumentStatus
from portrait.services import portrait_publish
from qualification.choices import SuggestedVerdict
from qualification.evaluation.runs import (
    EVALUATION_RUN_TASK,
    evaluation_run_plan,
    evaluation_runs_sweep,
)
from qualification.funnel.alerts import alerts_check, alerts_unsent_sweep
from qualification.models import Alert, EvaluationRun, EvaluationRunStatus, Lead
from qualification.tasks import (
    alerts_check_task,
    evaluation_chunk_task,
    evaluation_run_start_task,
)
from tests.portrait.factories import ExclusionFactory, PortraitFactory, SegmentFactory
from tests.qualification.funnel_factories import SalesPlanFactory, make_lead, published_portrait

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
                "enqueue_again_on_commit",
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
        "qualification.tasks.evaluation_run_task",
        "qualification.tasks.lead_import_task",
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


# Work that survives its infrastructure: the run commits with the publish, the sweep recovers


def age(*querysets, seconds: float) -> None:
    """Move the creation of these rows ``seconds`` into the past."""
    for queryset in querysets:
        for row in queryset:
            row.created_at -= timedelta(seconds=seconds)
            row.save(update_fields=["created_at"])


def test_a_publish_while_the_broker_is_down_answers_and_keeps_its_run_for_the_sweep(
    client_for, broker, settings, django_capture_on_commit_callbacks
):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 2}
    leads = make_mixed_leads()
    portrait, segment, exclusion = draft_portrait()
    broker.down = True

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(roles.ADMINS).post(reverse("v1:portrait-publish", args=[portrait.pk]))

    assert response.status_code == 200
    run = EvaluationRun.objects.get()
    assert (run.portrait_id, run.status, run.total_chunks) == (
        portrait.id,
        EvaluationRunStatus.PENDING,
        2,
    )
    waiting = OutboxMessage.objects.get()
    assert (waiting.task_name, waiting.args, waiting.dispatched_at, waiting.attempts) == (
        EVALUATION_RUN_TASK,
        [run.id],
        None,
        1,
    )

    broker.down = False
    assert background_sweep(grace_seconds=0)["outbox"] == 1
    broker.work()

    run.refresh_from_db()
    assert (run.status, run.done_chunks) == (EvaluationRunStatus.DONE, 2)
    assert_evaluated(leads, portrait, segment, exclusion)


def test_a_publish_that_rolls_back_leaves_no_run(make_user, monkeypatch):
    from portrait.versioning import services as versioning

    portrait, _segment, _exclusion = draft_portrait()

    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(versioning, "publish_handlers_schedule", fail)
    with pytest.raises(RuntimeError):
        portrait_publish(portrait=portrait, user=make_user(roles.ADMINS))

    portrait.refresh_from_db()
    assert portrait.status == DocumentStatus.DRAFT
    assert (EvaluationRun.objects.count(), OutboxMessage.objects.count()) == (0, 0)


def stalled_run(broker, django_capture_on_commit_callbacks):
    """A run whose dispatch the broker lost, with no progress for 301 seconds."""
    make_lead(employees=300)
    with django_capture_on_commit_callbacks(execute=True):
        run = evaluation_run_plan(portrait=published_portrait())
    broker.sent.clear()
    age(EvaluationRun.objects.all(), OutboxMessage.objects.all(), seconds=301)
    return run


def stall_threshold():
    return timezone.now() - timedelta(seconds=300)


def test_a_run_with_no_progress_for_the_stall_period_is_dispatched_again_once(
    db, broker, django_capture_on_commit_callbacks
):
    run = stalled_run(broker, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        first = evaluation_runs_sweep(stalled_before=stall_threshold())
        second = evaluation_runs_sweep(stalled_before=stall_threshold())

    assert (first, second) == (1, 0)
    assert broker.sent == [(EVALUATION_RUN_TASK, (run.id,))]
    broker.work()
    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE
    assert Lead.objects.get().evaluated_portrait_id == run.portrait_id


def test_a_run_that_progressed_within_the_stall_period_is_left_alone(
    db, broker, django_capture_on_commit_callbacks
):
    make_lead(employees=300)
    make_lead(employees=5)
    with django_capture_on_commit_callbacks(execute=True):
        run = evaluation_run_plan(portrait=published_portrait())
    age(EvaluationRun.objects.all(), OutboxMessage.objects.all(), seconds=301)
    # A chunk done a moment ago is progress.
    run.chunks.update(done_at=timezone.now())

    assert evaluation_runs_sweep(stalled_before=stall_threshold()) == 0


def test_a_failed_run_of_the_published_portrait_is_resumed_and_one_of_an_old_one_is_not(
    db, broker, django_capture_on_commit_callbacks
):
    old = stalled_run(broker, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        current = evaluation_run_plan(portrait=published_portrait())
    broker.sent.clear()
    age(EvaluationRun.objects.filter(pk=current.pk), OutboxMessage.objects.all(), seconds=301)
    EvaluationRun.objects.update(status=EvaluationRunStatus.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert evaluation_runs_sweep(stalled_before=stall_threshold()) == 1

    assert broker.sent == [(EVALUATION_RUN_TASK, (current.id,))]
    statuses = dict(EvaluationRun.objects.values_list("id", "status"))
    assert statuses == {old.id: EvaluationRunStatus.FAILED, current.id: EvaluationRunStatus.PENDING}
    broker.work()
    assert EvaluationRun.objects.get(pk=current.pk).status == EvaluationRunStatus.DONE


def test_an_unsent_alert_is_asked_for_again_after_the_stall_and_mailed_once(
    make_user, broker, django_capture_on_commit_callbacks
):
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    SalesPlanFactory(target_contracts=100)
    with django_capture_on_commit_callbacks(execute=True):
        alerts_check()
    broker.sent.clear()
    alert = Alert.objects.get()

    assert alerts_unsent_sweep(stalled_before=stall_threshold()) == 0
    age(Alert.objects.all(), OutboxMessage.objects.all(), seconds=301)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_unsent_sweep(stalled_before=stall_threshold()) == 1
    # A redelivery of the same message, and the sweep of an alert already sent.
    broker.sent.append(broker.sent[0])
    broker.work()
    age(OutboxMessage.objects.all(), seconds=301)

    assert alerts_unsent_sweep(stalled_before=stall_threshold()) == 0
    alert.refresh_from_db()
    assert alert.sent_at is not None
    assert [message.to for message in mail.outbox] == [["boss@example.com"]]


def test_no_alert_is_asked_for_while_no_manager_has_an_address(
    db, broker, django_capture_on_commit_callbacks
):
    SalesPlanFactory(target_contracts=100)
    with django_capture_on_commit_callbacks(execute=True):
        alerts_check()
    age(Alert.objects.all(), OutboxMessage.objects.all(), seconds=301)

    assert alerts_unsent_sweep(stalled_before=stall_threshold()) == 0


def test_the_apps_register_their_sweepers():
    from config import background

    assert {sweeper.__name__ for sweeper in background._sweepers} == {
        "evaluation_runs_sweep",
        "alerts_unsent_sweep",
        "lead_imports_sweep",
        "escalations_unmailed_sweep",
        "delays_untold_sweep",
    }


def _waiting_for_the_writers_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ["%pg_advisory_xact_lock(%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
def test_a_publish_waits_for_the_writers_and_lets_a_decision_on_the_version_in_force_commit(
    transactional_db, make_user
):
    from django.db import transaction

    from qualification.decisions.services import lead_decide
    from qualification.evaluation.writes import writers_lock
    from qualification.models import Decision
    from tests.threads import in_own_connection

    in_force = published_portrait()
    lead = make_lead(employees=300)
    Lead.objects.filter(pk=lead.pk).update(evaluated_portrait=in_force)
    portrait, _segment, _exclusion = draft_portrait()
    admin, seller = make_user(roles.ADMINS), make_user(roles.SALES)
    holding, proceed = threading.Event(), threading.Event()

    def write_against_the_version_in_force():
        with transaction.atomic():
            writers_lock(alone=False)
            holding.set()
            proceed.wait(20)
            Lead.objects.filter(pk=lead.pk).update(employees=301)

    writer, writer_failures = in_own_connection(write_against_the_version_in_force)
    assert holding.wait(10)
    publisher, publisher_failures = in_own_connection(
        lambda: portrait_publish(portrait=portrait, user=admin)
    )
    deadline = time.monotonic() + 10
    while not _waiting_for_the_writers_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The publish holds the portrait rows while it waits: a decision recorded meanwhile
    # references the version in force (checked with a key-share lock) and must not wait.
    decider, decider_failures = in_own_connection(
        lambda: lead_decide(lead=lead, user=seller, verdict="interesting")
    )
    decider.join(5)
    decided_while_the_publish_waited = not decider.is_alive() and publisher.is_alive()
    proceed.set()
    for thread in (writer, publisher, decider):
        thread.join(20)

    assert decided_while_the_publish_waited
    assert (writer_failures, publisher_failures, decider_failures) == ([], [], [])
    assert Decision.objects.get().evaluated_portrait_id == in_force.pk
    # The writer committed before the run was planned; the run evaluated its lead again.
    run = EvaluationRun.objects.get()
    assert (run.portrait_id, run.status) == (portrait.pk, EvaluationRunStatus.DONE)
    lead.refresh_from_db()
    assert (lead.employees, lead.evaluated_portrait_id) == (301, portrait.pk)
