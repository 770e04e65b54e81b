"""Safe retries: every POST of the API honours ``Idempotency-Key``.

The same key and body (from the same user, to the same method and path) gets the stored
answer and writes nothing; the same key with another request gets 422; a retry while the
first request runs gets 409; only successes are stored, for 24 hours.
"""

import os
import threading
import time
import types

import pytest
from django.core.cache import cache
from django.urls import reverse
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.test import APIClient

from config.idempotency import IdempotentPostMixin
from crm.models import Department
from portrait import roles
from portrait.models import Portrait
from qualification.api.views import leads as lead_views
from qualification.decisions.services import lead_decide
from qualification.models import Decision, Lead
from tests.portrait.factories import VALID_CRITERIA
from tests.qualification.funnel_factories import make_lead, published_portrait
from tests.threads import in_own_connection

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
DEPARTMENTS = reverse("v1:department-list")
BULK = reverse("v1:lead-bulk-upsert")


@pytest.fixture(autouse=True)
def _fresh_keys():
    # SQLite may give a rolled-back user's primary key to the next test's user.
    cache.clear()
    yield
    cache.clear()


def decide_url(lead: Lead) -> str:
    return reverse("v1:lead-decide", args=[lead.pk])


def decidable() -> Lead:
    return make_lead(
        employees=100,
        suggested_verdict="interesting",
        evaluated_portrait=published_portrait(),
        fit_score=100,
    )


def post(client, url, body, key=KEY, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, body, format="json", **headers)


@pytest.fixture
def sales(client_for):
    return client_for(roles.SALES)


@pytest.fixture
def admin(client_for):
    return client_for(roles.ADMINS)


# --- a retry is answered from the first time ---------------------------------------------


def test_a_retried_decision_gets_the_stored_answer_and_records_one_decision(sales):
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}

    first = post(sales, decide_url(lead), body)
    retry = post(sales, decide_url(lead), body)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Decision.objects.filter(lead=lead).count() == 1


def test_without_a_key_each_post_is_its_own_request(sales):
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}

    post(sales, decide_url(lead), body, key=None)
    post(sales, decide_url(lead), body, key=None)

    assert Decision.objects.filter(lead=lead).count() == 2


def test_a_retried_bulk_push_replays_the_report_and_writes_nothing(client_for):
    client = client_for(roles.INTEGRATIONS)
    leads = [
        {"external_id": f"l{index}", "company_name": "Acme", "updated_at": "2025-03-01T10:00:00Z"}
        for index in range(3)
    ]
    first = post(client, BULK, {"source": "erp", "leads": leads})
    written = list(Lead.objects.order_by("pk").values_list("pk", "updated_at"))

    retry = post(client, BULK, {"source": "erp", "leads": leads})

    assert first.json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert retry.json() == first.json()
    assert list(Lead.objects.order_by("pk").values_list("pk", "updated_at")) == written


def test_a_retried_creation_keeps_its_headers_and_creates_one_document(admin):
    body = {
        "name": "Our client",
        "segments": [
            {
                "name": "Mid IT",
                "criteria": VALID_CRITERIA,
                "capacity": 40,
                "average_deal_value": "1000.50",
                "priority": 2,
            }
        ],
        "exclusions": [],
    }

    first = post(admin, reverse("v1:portrait-list"), body)
    retry = post(admin, reverse("v1:portrait-list"), body)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["ETag"] == first["ETag"]
    assert retry.json() == first.json()
    assert Portrait.objects.count() == 1


def test_the_body_is_compared_as_data_not_as_text(admin):
    first = admin.post(
        DEPARTMENTS,
        '{"name": "Sales", "head": null}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    retry = admin.post(
        DEPARTMENTS,
        '{"head":null,\n "name":"Sales"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert retry.status_code == first.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Department.objects.count() == 1


def test_a_key_in_quotes_is_the_same_key(admin):
    post(admin, DEPARTMENTS, {"name": "Sales"})
    retry = post(admin, DEPARTMENTS, {"name": "Sales"}, key=f'"{KEY}"')

    assert retry["Idempotent-Replayed"] == "true"
    assert Department.objects.count() == 1


# --- the same key for another request ------------------------------------------------------


def test_the_same_key_with_another_body_is_422_naming_the_header_and_writes_nothing(sales):
    lead = decidable()
    post(sales, decide_url(lead), {"verdict": "interesting", "reason": "Good fit"})

    other = post(sales, decide_url(lead), {"verdict": "interesting", "reason": "Called back"})

    message = "This Idempotency-Key was used for another request: send a new key for a new request."
    assert other.status_code == 422
    assert other.json() == {
        "detail": message,
        "code": "idempotency_key_reused",
        "errors": {"Idempotency-Key": [message]},
    }
    assert Decision.objects.filter(lead=lead).count() == 1


def test_the_same_key_on_another_path_is_422(sales):
    first, second = decidable(), decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}
    post(sales, decide_url(first), body)

    other = post(sales, decide_url(second), body)

    assert other.status_code == 422
    assert Decision.objects.filter(lead=second).count() == 0


def test_another_users_same_key_is_another_key(client_for):
    first, second = client_for(roles.ADMINS), client_for(roles.ADMINS)

    answers = [post(client, DEPARTMENTS, {"name": name}) for client, name in
               [(first, "Sales"), (second, "Support"), (second, "Support")]]  # fmt: skip

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert [answer.has_header("Idempotent-Replayed") for answer in answers] == [
        False,
        False,
        True,
    ]
    assert sorted(Department.objects.values_list("name", flat=True)) == ["Sales", "Support"]


# --- what is stored, and for how long ------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Move the local cache's clock: ``clock(seconds)`` from now."""
    from django.core.cache.backends import locmem

    def move(seconds: float) -> None:
        now = time.time() + seconds
        monkeypatch.setattr(locmem, "time", types.SimpleNamespace(time=lambda: now))

    return move


def test_a_key_lives_24_hours(admin, clock, settings):
    assert settings.IDEMPOTENCY_KEY_SECONDS == 24 * 60 * 60
    post(admin, DEPARTMENTS, {"name": "Sales"})

    clock(24 * 60 * 60 - 5)
    within = post(admin, DEPARTMENTS, {"name": "Sales"})
    clock(24 * 60 * 60 + 5)
    after = post(admin, DEPARTMENTS, {"name": "Sales"})

    assert within["Idempotent-Replayed"] == "true"
    # The key is free again: the request runs (and its uniqueness check refuses it).
    assert after.status_code == 400
    assert list(after.json()["errors"]) == ["name"]
    assert Department.objects.count() == 1


def test_a_refusal_is_not_stored_and_the_corrected_request_may_keep_its_key(sales):
    lead = decidable()

    refused = post(sales, decide_url(lead), {"verdict": "maybe"})
    corrected = post(sales, decide_url(lead), {"verdict": "interesting", "reason": "Fits"})

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert not corrected.has_header("Idempotent-Replayed")
    assert Decision.objects.filter(lead=lead).count() == 1


def test_a_server_error_is_not_stored_and_the_retry_runs_again(sales, monkeypatch):
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lead_views, "lead_decide", broken)
    sales.raise_request_exception = False
    failed = post(sales, decide_url(lead), body)
    monkeypatch.setattr(lead_views, "lead_decide", lead_decide)
    retry = post(sales, decide_url(lead), body)

    assert (failed.status_code, retry.status_code) == (500, 201)
    assert Decision.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "two words", "ключ", 'a"b', "a,b", "a\\b"],
    ids=["empty", "blank", "too long", "space", "not ascii", "quote", "comma", "backslash"],
)
def test_a_malformed_key_is_400_naming_the_header_and_writes_nothing(admin, key):
    response = post(admin, DEPARTMENTS, {"name": "Sales"}, key=key)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": {
            "Idempotency-Key": [
                "An idempotency key is 1 to 255 characters: letters, digits and - _ . : ~ + / =."
            ]
        },
    }
    assert Department.objects.count() == 0


def test_a_key_of_255_characters_is_taken(admin):
    response = post(admin, DEPARTMENTS, {"name": "Sales"}, key="k" * 255)

    assert response.status_code == 201


def test_while_the_keys_are_unreachable_a_keyed_post_is_503_and_runs_nothing(sales, settings):
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}
    settings.CACHES = {"default": {"BACKEND": "tests.config.caches.UnreachableCache"}}

    keyed = post(sales, decide_url(lead), body)
    unkeyed = post(sales, decide_url(lead), body, key=None)

    assert keyed.status_code == 503
    assert keyed.json()["code"] == "idempotency_unavailable"
    assert list(keyed.json()["errors"]) == ["Idempotency-Key"]
    assert keyed["Retry-After"] == "5"
    assert unkeyed.status_code == 201
    assert Decision.objects.filter(lead=lead).count() == 1


def test_a_success_whose_answer_cannot_be_stored_is_still_answered(sales, settings):
    lead = decidable()
    settings.CACHES = {"default": {"BACKEND": "tests.config.caches.UnstorableCache"}}

    response = post(sales, decide_url(lead), {"verdict": "interesting", "reason": "Fits"})

    assert response.status_code == 201
    assert Decision.objects.filter(lead=lead).count() == 1


# --- concurrency -----------------------------------------------------------------------


def test_a_retry_arriving_while_the_first_request_runs_is_409_and_one_decision_is_made(
    sales, client_for, monkeypatch
):
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}
    meanwhile = []

    def decide_while_retried(**kwargs):
        retry = APIClient()
        retry.force_authenticate(sales.user)
        meanwhile.append(post(retry, decide_url(lead), body))
        return lead_decide(**kwargs)

    monkeypatch.setattr(lead_views, "lead_decide", decide_while_retried)
    first = post(sales, decide_url(lead), body)

    (retry,) = meanwhile
    assert (first.status_code, retry.status_code) == (201, 409)
    assert retry.json()["code"] == "idempotency_key_in_progress"
    assert list(retry.json()["errors"]) == ["Idempotency-Key"]
    assert retry["Retry-After"] == "1"
    assert Decision.objects.filter(lead=lead).count() == 1


_REDIS = os.environ.get("CELERY_BROKER_URL", "")


@pytest.fixture(params=["local memory", "redis"])
def shared_cache(request, settings):
    """The cache holding the keys: the test settings' own, or Redis as in production."""
    if request.param == "redis":
        if not _REDIS.startswith("redis"):
            pytest.skip("needs Redis (set CELERY_BROKER_URL)")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": _REDIS,
                "KEY_PREFIX": f"test-idempotency-{os.getpid()}-{time.monotonic_ns()}",
            }
        }
    yield request.param
    cache.clear()


@pytest.mark.postgres
def test_two_concurrent_first_requests_with_one_key_make_one_decision(
    transactional_db, make_user, monkeypatch, shared_cache
):
    user = make_user(roles.SALES)
    lead = decidable()
    body = {"verdict": "interesting", "reason": "Good fit"}
    entered, release = threading.Event(), threading.Event()

    def slow_decide(**kwargs):
        entered.set()
        assert release.wait(20)
        return lead_decide(**kwargs)

    monkeypatch.setattr(lead_views, "lead_decide", slow_decide)
    answers: dict[str, object] = {}

    def request(name: str) -> None:
        client = APIClient()
        client.force_authenticate(user)
        answers[name] = post(client, decide_url(lead), body)

    first, first_failures = in_own_connection(request, "first")
    assert entered.wait(20)
    second, second_failures = in_own_connection(request, "second")
    second.join(20)
    release.set()
    first.join(20)

    assert first_failures == second_failures == []
    assert (answers["first"].status_code, answers["second"].status_code) == (201, 409)
    assert Decision.objects.filter(lead=lead).count() == 1
    replay = post(_client_of(user), decide_url(lead), body)
    assert replay.json() == answers["first"].json()
    assert replay["Idempotent-Replayed"] == "true"


def _client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- every POST, present and future ------------------------------------------------------


def test_every_post_of_the_api_honours_the_key():
    posts = [
        (path, view.cls)
        for path, _regex, method, view in EndpointEnumerator().get_api_endpoints()
        if method == "POST"
    ]

    assert len(posts) >= 18
    for path, view_class in posts:
        assert issubclass(view_class, IdempotentPostMixin), path
