"""Two workers sending due webhooks at once: each delivery is sent by one of them (PostgreSQL)."""

import collections
import threading
import time

import pytest

from crm.feedback import services
from crm.feedback.services import feedback_record
from crm.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from crm.webhooks import transport
from crm.webhooks.services import webhook_deliveries_send_due, webhook_delivery_attempt
from portrait import roles
from tests.crm.factories import ClientFactory
from tests.threads import in_own_connection

pytestmark = pytest.mark.postgres


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The webhook-id of every POST, from any thread; each takes a few milliseconds."""
    ids: list[str] = []

    def post(url, *, body, headers, timeout):
        ids.append(headers["webhook-id"])
        time.sleep(0.005)
        return transport.Answer(200, "", "")

    monkeypatch.setattr(transport, "post", post)
    return ids


def complaints(make_user, monkeypatch, count: int) -> None:
    """``count`` complaints whose webhook messages to the broker were lost: only rows remain."""
    monkeypatch.setattr(services, "enqueue_each_on_commit", lambda *args: None)
    WebhookEndpoint.objects.create(url="https://hooks.example.com/crm")
    owner = make_user(roles.SALES)
    client = ClientFactory(owner=owner)
    for number in range(count):
        feedback_record(
            user=owner,
            data={"client": client, "channel": "phone", "kind": "complaint", "text": f"#{number}"},
        )


def at_once(work, times: int = 2) -> tuple[list, list[BaseException]]:
    """Run ``work()`` on ``times`` connections released together; their results and failures."""
    barrier = threading.Barrier(times)
    results = []

    def run():
        barrier.wait(timeout=10)
        results.append(work())

    started = [in_own_connection(run) for _ in range(times)]
    failures = []
    for thread, thread_failures in started:
        thread.join(timeout=60)
        failures.extend(thread_failures)
    return results, failures


def test_two_due_senders_at_once_send_each_delivery_once(
    transactional_db, make_user, monkeypatch, sent
):
    complaints(make_user, monkeypatch, 30)

    results, failures = at_once(webhook_deliveries_send_due)

    assert failures == []
    assert sum(results) == 30
    assert collections.Counter(collections.Counter(sent).values()) == {1: 30}
    assert set(WebhookDelivery.objects.values_list("state", "attempt_count")) == {("delivered", 1)}
    assert WebhookAttempt.objects.count() == 30


def test_one_delivery_tried_by_two_workers_at_once_is_sent_once(
    transactional_db, make_user, monkeypatch, sent
):
    complaints(make_user, monkeypatch, 1)
    delivery = WebhookDelivery.objects.get()

    results, failures = at_once(lambda: webhook_delivery_attempt(delivery_id=delivery.pk))

    assert failures == []
    assert sorted(result is None for result in results) == [False, True]
    assert sent == [delivery.webhook_id]
    assert WebhookAttempt.objects.get().number == 1
