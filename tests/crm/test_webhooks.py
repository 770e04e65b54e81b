"""Webhooks: signed as Standard Webhooks says, one id per event, retried for a day, recorded."""

import base64
import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from crm.choices import WebhookDeliveryState
from crm.feedback.delays import delay_record
from crm.feedback.services import feedback_record
from crm.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from crm.tasks import webhook_deliveries_send_due_task, webhook_delivery_send_task
from crm.webhooks import transport
from crm.webhooks.backoff import RetrySchedule
from crm.webhooks.services import (
    webhook_deliveries_send_due,
    webhook_delivery_attempt,
    webhook_endpoint_secret_rotate,
)
from crm.webhooks.signing import webhook_headers, webhook_secret_new
from portrait import roles
from tests.crm.factories import ClientFactory, DepartmentFactory
from tests.crm.webhook_receiver import Receiver

pytestmark = pytest.mark.usefixtures("after_the_fixed_moments")
T0 = datetime.datetime(2027, 3, 5, 15, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


class Clock:
    def __init__(self, monkeypatch, at: datetime.datetime):
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def advance(self, **delta) -> None:
        self.at += datetime.timedelta(**delta)


class FakeTransport:
    """Answers each POST with the next outcome (a status or an exception), then 200."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent: list[dict] = []

    def __call__(self, url, *, body, headers, timeout):
        self.sent.append({"url": url, "body": body, "headers": dict(headers)})
        outcome = self.outcomes.pop(0) if self.outcomes else 200
        if isinstance(outcome, BaseException):
            raise outcome
        return transport.Answer(outcome, "answer", "")


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, T0)


@pytest.fixture
def owner(make_user):
    return make_user(roles.SALES, username="olha", email="owner@example.com")


@pytest.fixture
def endpoint(db):
    return WebhookEndpoint.objects.create(url="https://hooks.example.com/crm")


def fake_transport(monkeypatch, *outcomes) -> FakeTransport:
    fake = FakeTransport(*outcomes)
    monkeypatch.setattr(transport, "post", fake)
    return fake


def complain(owner, **fields):
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner, name="Acme"),
            "channel": "email",
            "kind": "complaint",
            "text": "Сервери запізнилися.",
            "received_at": T0,
            **fields,
        },
    )
    return feedback


def due_delivery(owner) -> WebhookDelivery:
    complain(owner)
    return WebhookDelivery.objects.get()


# Signing


def test_a_new_secret_has_the_whsec_form_and_32_random_bytes():
    first, second = webhook_secret_new(), webhook_secret_new()

    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_the_standardwebhooks_package_verifies_our_signature():
    secret = webhook_secret_new()
    body = '{"type":"escalation.raised","data":{"text":"Сервери"}}'

    headers = webhook_headers(
        secret=secret, webhook_id="msg_1", body=body, at=datetime.datetime.now(datetime.UTC)
    )

    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body.encode(), headers) == json.loads(body)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda secret, body, headers: (webhook_secret_new(), body, headers),
        lambda secret, body, headers: (secret, body.replace("1", "2"), headers),
        lambda secret, body, headers: (secret, body, {**headers, "webhook-id": "msg_2"}),
    ],
    ids=["another secret", "another body", "another id"],
)
def test_a_signature_fails_for_another_secret_body_or_id(tamper):
    secret, body = webhook_secret_new(), '{"id":1}'
    headers = webhook_headers(
        secret=secret, webhook_id="msg_1", body=body, at=datetime.datetime.now(datetime.UTC)
    )

    other_secret, other_body, other_headers = tamper(secret, body, headers)

    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(other_body, other_headers)


def test_the_timestamp_is_the_attempts_moment_in_unix_seconds():
    headers = webhook_headers(
        secret=webhook_secret_new(),
        webhook_id="msg_1",
        body="{}",
        at=datetime.datetime(2027, 3, 5, 17, 0, 0, 900000, tzinfo=datetime.timezone(SECOND * 7200)),
    )

    assert headers["webhook-timestamp"] == str(int(T0.timestamp()))


# Backoff


SCHEDULE = RetrySchedule(
    base=datetime.timedelta(seconds=30),
    cap=datetime.timedelta(hours=1),
    window=datetime.timedelta(days=1),
)


def test_the_wait_doubles_from_30_seconds_up_to_an_hour():
    waits = [SCHEDULE.delay(attempt).total_seconds() for attempt in range(1, 11)]

    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert SCHEDULE.delay(10_000) == datetime.timedelta(hours=1)


def test_a_receiver_that_is_down_all_day_gets_30_attempts_then_none():
    attempts, at, number = [T0], T0, 1
    while at := SCHEDULE.next_attempt_at(first_attempted_at=T0, attempted_at=at, attempt=number):
        attempts.append(at)
        number += 1

    offsets = [int((at - T0).total_seconds()) for at in attempts]
    assert offsets[:9] == [0, 30, 90, 210, 450, 930, 1890, 3810, 7410]
    assert (len(attempts), offsets[-1]) == (30, 83010)
    assert offsets[-1] + 3600 > 24 * 3600


def test_an_attempt_landing_exactly_on_the_days_end_is_still_made():
    schedule = RetrySchedule(base=SECOND * 10, cap=SECOND * 10, window=SECOND * 20)

    assert schedule.next_attempt_at(
        first_attempted_at=T0, attempted_at=T0 + SECOND * 10, attempt=2
    ) == (T0 + SECOND * 20)
    assert (
        schedule.next_attempt_at(first_attempted_at=T0, attempted_at=T0 + SECOND * 11, attempt=2)
        is None
    )


# Deliveries: one per event and endpoint


def test_an_escalation_is_queued_for_each_active_subscribed_endpoint_under_one_webhook_id(
    owner, endpoint
):
    second = WebhookEndpoint.objects.create(url="http://erp.internal/hooks")
    WebhookEndpoint.objects.create(url="http://off.example.com/", is_active=False)
    WebhookEndpoint.objects.create(url="http://none.example.com/", event_types=["other.event"])

    complain(owner)

    deliveries = list(WebhookDelivery.objects.order_by("endpoint_id"))
    assert [delivery.endpoint for delivery in deliveries] == [endpoint, second]
    assert len({delivery.webhook_id for delivery in deliveries}) == 1
    assert deliveries[0].webhook_id.startswith("msg_")
    assert deliveries[0].body == deliveries[1].body
    assert {(delivery.state, delivery.attempt_count) for delivery in deliveries} == {("pending", 0)}


def test_the_payload_describes_the_escalation_and_its_feedback(owner, endpoint, clock):
    feedback = complain(owner, rating=1, source="web", external_id="W-7")
    escalation = feedback.escalations.get(reason="complaint")
    delivery = escalation.webhook_deliveries.get()

    assert json.loads(delivery.body) == {
        "type": "escalation.raised",
        "timestamp": "2027-03-05T15:00:00Z",
        "data": {
            "id": escalation.pk,
            "reason": "complaint",
            "raised_at": "2027-03-05T15:00:00Z",
            "client": {
                "id": feedback.client_id,
                "name": "Acme",
                "kind": "partner",
                "owner": {"id": owner.pk, "username": "olha", "email": "owner@example.com"},
            },
            "feedback": {
                "id": feedback.pk,
                "kind": "complaint",
                "channel": "email",
                "severity": "normal",
                "rating": 1,
                "text": "Сервери запізнилися.",
                "status": "open",
                "received_at": "2027-03-05T15:00:00Z",
                "response_due": None,
                "resolution_due": None,
                "source": "web",
                "external_id": "W-7",
            },
            "delay": None,
        },
    }
    # Each escalation of the item is an event of its own.
    low_rating = feedback.escalations.get(reason="low_rating").webhook_deliveries.get()
    assert low_rating.webhook_id != delivery.webhook_id


def test_the_payload_of_a_delay_names_its_reference_and_new_date(owner, endpoint, clock):
    delay = delay_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner),
            "department": DepartmentFactory(name="Logistics"),
            "reference": "ORDER-7",
            "what": "Servers",
            "new_date": datetime.date(2027, 4, 1),
        },
    )

    data = json.loads(WebhookDelivery.objects.get().body)["data"]

    assert (data["reason"], data["feedback"]) == ("delay", None)
    assert data["delay"] == {
        "id": delay.pk,
        "reference": "ORDER-7",
        "what": "Servers",
        "new_date": "2027-04-01",
        "postponement": 1,
        "department": "Logistics",
        "recorded_at": "2027-03-05T15:00:00Z",
    }


def test_no_endpoint_no_delivery(owner):
    complain(owner)

    assert not WebhookDelivery.objects.exists()


# Attempts, retries, giving up


def test_a_failed_attempt_is_recorded_and_retried_after_the_backoff_under_the_same_id(
    owner, endpoint, clock, monkeypatch
):
    fake = fake_transport(monkeypatch, 500, 200)
    delivery = due_delivery(owner)

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    too_early = webhook_delivery_attempt(delivery_id=delivery.pk)
    clock.advance(seconds=30)
    second = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (first.state, first.next_attempt_at, too_early) == ("pending", T0 + SECOND * 30, None)
    assert (second.state, second.delivered_at, second.next_attempt_at) == (
        "delivered",
        T0 + SECOND * 30,
        None,
    )
    assert [sent["headers"]["webhook-id"] for sent in fake.sent] == [delivery.webhook_id] * 2
    assert [sent["body"] for sent in fake.sent] == [delivery.body.encode()] * 2
    assert fake.sent[1]["headers"] == {
        **webhook_headers(
            secret=endpoint.secret,
            webhook_id=delivery.webhook_id,
            body=delivery.body,
            at=T0 + SECOND * 30,
        ),
        "Content-Type": "application/json",
        "User-Agent": "PortraitCRM-Webhooks/1",
    }
    assert list(
        WebhookAttempt.objects.values_list(
            "number", "attempted_at", "status_code", "error", "response"
        )
    ) == [
        (1, T0, 500, "", "answer"),
        (2, T0 + SECOND * 30, 200, "", "answer"),
    ]
    delivery.refresh_from_db()
    assert (delivery.attempt_count, delivery.first_attempted_at, delivery.last_attempted_at) == (
        2,
        T0,
        T0 + SECOND * 30,
    )


def test_a_delivery_is_given_up_a_day_after_its_first_attempt(owner, endpoint, clock, monkeypatch):
    refused = transport.TransportError("ConnectionRefusedError: [Errno 111] Connection refused")
    fake = fake_transport(monkeypatch, *[refused] * 100)
    delivery = due_delivery(owner)

    while delivery.state == WebhookDeliveryState.PENDING:
        clock.at = delivery.next_attempt_at
        delivery = webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.next_attempt_at, delivery.attempt_count) == (
        "failed",
        None,
        30,
    )
    assert len(fake.sent) == 30
    assert delivery.last_attempted_at - delivery.first_attempted_at == SECOND * 83010
    assert set(delivery.attempts.values_list("status_code", "error")) == {(None, str(refused))}
    assert webhook_deliveries_send_due() == 0


def test_the_backoff_comes_from_the_settings(owner, endpoint, clock, monkeypatch, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "WEBHOOK_RETRY_BASE_SECONDS": 1}
    fake_transport(monkeypatch, 500, 500)
    delivery = due_delivery(owner)

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    clock.advance(seconds=1)
    second = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (first.next_attempt_at, second.next_attempt_at) == (T0 + SECOND, T0 + SECOND * 3)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(owner, endpoint, clock, monkeypatch):
    monkeypatch.setattr(
        transport, "post", lambda *args, **kwargs: transport.Answer(302, "", "http://elsewhere/")
    )
    delivery = due_delivery(owner)

    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert attempted.state == "pending"
    assert list(attempted.attempts.values_list("status_code", "error")) == [
        (302, "redirect not followed (Location: http://elsewhere/)")
    ]


def test_a_switched_off_endpoint_stops_its_pending_deliveries(owner, endpoint, clock, monkeypatch):
    fake = fake_transport(monkeypatch)
    delivery = due_delivery(owner)
    endpoint.is_active = False
    endpoint.save()

    attempted = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert (attempted.state, attempted.next_attempt_at, fake.sent) == ("cancelled", None, [])
    assert not attempted.attempts.exists()


def test_a_worker_killed_while_sending_leaves_the_delivery_due_again_when_its_claim_runs_out(
    owner, endpoint, clock, monkeypatch
):
    class WorkerKilled(BaseException):
        pass

    fake = fake_transport(monkeypatch, WorkerKilled())
    delivery = due_delivery(owner)
    with pytest.raises(WorkerKilled):
        webhook_deliveries_send_due()

    held = webhook_deliveries_send_due()
    clock.advance(minutes=5)
    again = webhook_deliveries_send_due()

    delivery.refresh_from_db()
    assert (held, again) == (0, 1)
    assert (delivery.state, delivery.attempt_count) == ("delivered", 2)
    assert list(delivery.attempts.values_list("number", "status_code")) == [(2, 200)]
    assert [sent["headers"]["webhook-id"] for sent in fake.sent] == [delivery.webhook_id] * 2


def test_the_due_sender_sends_due_deliveries_only_oldest_first(owner, endpoint, clock, monkeypatch):
    fake = fake_transport(monkeypatch)
    complain(owner)
    clock.advance(seconds=10)
    complain(owner)
    later = WebhookDelivery.objects.latest("pk")
    WebhookDelivery.objects.filter(pk=later.pk).update(next_attempt_at=T0 + SECOND * 60)

    sent = webhook_deliveries_send_due()

    assert sent == 1
    assert [json.loads(sent["body"])["data"]["id"] for sent in fake.sent] == [
        WebhookDelivery.objects.earliest("pk").escalation_id
    ]


def test_a_new_secret_signs_the_next_attempts(owner, endpoint, clock, monkeypatch):
    fake = fake_transport(monkeypatch, 500, 200)
    delivery = due_delivery(owner)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    old_secret = endpoint.secret

    rotated = webhook_endpoint_secret_rotate(endpoint=endpoint)
    clock.advance(seconds=30)
    webhook_delivery_attempt(delivery_id=delivery.pk)

    assert rotated.secret != old_secret
    assert (
        fake.sent[1]["headers"]["webhook-signature"]
        == webhook_headers(
            secret=rotated.secret, webhook_id=delivery.webhook_id, body=delivery.body, at=clock.at
        )["webhook-signature"]
    )


# Tasks


def test_recording_a_complaint_sends_its_webhook_after_commit(
    owner, endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    fake = fake_transport(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        complain(owner)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, len(fake.sent)) == ("delivered", 1)


def test_the_send_task_skips_a_delivery_that_is_not_due(owner, endpoint, clock, monkeypatch):
    fake = fake_transport(monkeypatch, 500)
    delivery = due_delivery(owner)

    assert webhook_delivery_send_task(delivery.pk) == "pending"
    assert webhook_delivery_send_task(delivery.pk) is None
    assert len(fake.sent) == 1


def test_the_beat_sends_due_deliveries(owner, endpoint, monkeypatch, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["webhook-deliveries-send-due"]
    fake = fake_transport(monkeypatch)
    due_delivery(owner)

    assert schedule["task"] == "crm.tasks.webhook_deliveries_send_due_task"
    assert webhook_deliveries_send_due_task() == 1
    assert len(fake.sent) == 1


# The transport, against a real local receiver


def test_the_transport_posts_the_body_and_reads_the_answer():
    with Receiver(statuses=[503]) as receiver:
        answer = transport.post(
            receiver.url + "?tenant=7", body=b'{"a":1}', headers={"X-Test": "1"}, timeout=5
        )

    assert answer == transport.Answer(503, "not now", "")
    assert (receiver.received[0].path, receiver.received[0].body) == (
        "/hooks/crm?tenant=7",
        b'{"a":1}',
    )
    assert receiver.received[0].headers["x-test"] == "1"


def test_the_transport_follows_no_redirect():
    with Receiver(statuses=[307], headers={"Location": "http://127.0.0.1:9/elsewhere"}) as receiver:
        answer = transport.post(receiver.url, body=b"{}", headers={}, timeout=5)

    assert (answer.status_code, answer.location) == (307, "http://127.0.0.1:9/elsewhere")
    assert len(receiver.received) == 1


def test_the_transport_gives_up_on_a_receiver_slower_than_the_timeout():
    with Receiver(delay=1) as receiver, pytest.raises(transport.TransportError, match="timed out"):
        transport.post(receiver.url, body=b"{}", headers={}, timeout=0.2)


@pytest.mark.parametrize(
    "url",
    ["ftp://files.example.com/hook", "file:///etc/passwd", "http:///no-host", "http://x:99999/"],
)
def test_the_transport_refuses_anything_but_an_http_url(url):
    with pytest.raises(transport.TransportError):
        transport.post(url, body=b"{}", headers={}, timeout=1)


def test_an_endpoint_takes_http_and_https_urls_only(db):
    endpoint = WebhookEndpoint(url="ftp://files.example.com/hook")

    with pytest.raises(Exception, match="Enter a valid URL"):
        endpoint.full_clean()


def test_a_signed_delivery_verifies_at_a_real_receiver(owner, endpoint, monkeypatch):
    with Receiver(statuses=[200]) as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        receiver.secret = endpoint.secret
        delivery = due_delivery(owner)

        webhook_delivery_attempt(delivery_id=delivery.pk)

    assert [(got.webhook_id, got.verified) for got in receiver.received] == [
        (delivery.webhook_id, True)
    ]


# The admin


@pytest.fixture
def admin_client(make_user, client):
    client.force_login(make_user(roles.ADMINS, is_staff=True))
    return client


def test_an_admin_adds_an_endpoint_and_is_shown_its_secret(admin_client):
    response = admin_client.post(
        reverse("admin:crm_webhookendpoint_add"),
        {
            "url": "https://hooks.example.com/crm",
            "event_types": ["escalation.raised"],
            "is_active": "on",
        },
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.event_types == ["escalation.raised"]
    assert endpoint.secret in response.content.decode()
    page = admin_client.get(reverse("admin:crm_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()


def test_an_admin_reads_a_deliverys_attempts_but_edits_nothing(
    admin_client, owner, endpoint, monkeypatch
):
    fake_transport(monkeypatch, transport.TransportError("TimeoutError: timed out"))
    delivery = due_delivery(owner)
    webhook_delivery_attempt(delivery_id=delivery.pk)

    listing = admin_client.get(reverse("admin:crm_webhookdelivery_changelist"))
    page = admin_client.get(reverse("admin:crm_webhookdelivery_change", args=[delivery.pk]))
    changed = admin_client.post(reverse("admin:crm_webhookdelivery_change", args=[delivery.pk]), {})

    assert listing.status_code == page.status_code == 200
    assert delivery.webhook_id in listing.content.decode()
    assert "TimeoutError: timed out" in page.content.decode()
    assert changed.status_code == 403
    assert admin_client.get(reverse("admin:crm_webhookdelivery_add")).status_code == 403


@pytest.mark.parametrize("role", [roles.SALES, roles.SALES_MANAGERS, roles.TECHNICAL])
def test_only_admins_see_endpoints_and_their_secrets(make_user, client, endpoint, role):
    client.force_login(make_user(role, is_staff=True))

    for name in ("crm_webhookendpoint_changelist", "crm_webhookdelivery_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 403
    assert (
        client.get(reverse("admin:crm_webhookendpoint_change", args=[endpoint.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("url", ["https://hooks.example.com:99999/crm", "ftp://hooks.example.com/"])
def test_an_endpoint_that_no_attempt_could_reach_is_refused(url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refusal:
        WebhookEndpoint(url=url).full_clean()

    assert list(refusal.value.message_dict) == ["url"]
