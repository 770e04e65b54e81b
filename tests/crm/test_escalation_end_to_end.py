"""Bad news flies, end to end: a complaint recorded through the API reaches the owner and the
managers by e-mail once and a webhook receiver that fails first, through a real Celery
worker on Redis and the real database.
"""

import email
import json
import time
from pathlib import Path

import pytest

from crm.models import EmployeeProfile, Escalation, WebhookDelivery, WebhookEndpoint
from portrait import roles
from tests.crm.factories import ClientFactory
from tests.crm.webhook_receiver import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker]


@pytest.fixture
def mail_directory(tmp_path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def worker(monkeypatch, mail_directory, transactional_db, request):
    """The real worker, retrying webhooks after 1 s and writing its e-mails to files.

    The environment is the worker's settings, so it is set before the worker starts;
    ``transactional_db`` is named here so that no test transaction holds back the commits.
    """
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("DJANGO_EMAIL_FILE_PATH", str(mail_directory))
    return request.getfixturevalue("real_celery_worker")


def sent_mail(directory: Path) -> list[email.message.Message]:
    """The messages the file backend wrote: each file holds a connection's, each ends in a rule."""
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for text in path.read_text().split("\n" + "-" * 79 + "\n"):
            if text.strip():
                messages.append(email.message_from_string(text))
    return messages


def wait_for(condition, seconds: float = 45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_a_complaint_is_mailed_once_and_its_webhook_retried_until_the_receiver_verifies_it(
    worker, make_user, client_for, mail_directory
):
    boss = make_user(roles.SALES_MANAGERS, email="boss@example.com")
    EmployeeProfile.objects.create(user=boss, language="uk")
    seller = client_for(roles.SALES, email="owner@example.com")
    client = ClientFactory(owner=seller.user, name="Acme")

    with Receiver(statuses=[500]) as receiver:
        endpoint = WebhookEndpoint.objects.create(url=receiver.url)
        receiver.secret = endpoint.secret
        response = seller.post(
            "/api/v1/feedback/",
            {"client": client.pk, "channel": "phone", "kind": "complaint", "text": "Late again."},
            format="json",
        )
        assert response.status_code == 201, response.content

        delivery = wait_for(
            lambda: (
                WebhookDelivery.objects.exclude(state="pending").select_related("endpoint").first()
            )
        )
        escalation = wait_for(lambda: Escalation.objects.exclude(mailed_at=None).first())
        # Time for anything sent twice to arrive.
        time.sleep(1.5)

    assert (delivery.state, delivery.attempt_count, delivery.escalation_id) == (
        "delivered",
        2,
        escalation.pk,
    )
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 200)]
    assert [(got.webhook_id, got.verified, got.answered) for got in receiver.received] == [
        (delivery.webhook_id, True, 500),
        (delivery.webhook_id, True, 200),
    ]
    assert receiver.received[0].body == receiver.received[1].body
    event = json.loads(receiver.received[1].body)
    assert (event["type"], event["data"]["feedback"]["id"], event["data"]["reason"]) == (
        "escalation.raised",
        response.json()["id"],
        "complaint",
    )
    messages = sent_mail(mail_directory)
    assert sorted((message["To"], message["Content-Language"]) for message in messages) == [
        ("boss@example.com", "uk"),
        ("owner@example.com", "en"),
    ]
