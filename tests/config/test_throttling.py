"""Throttles: per account (token or session), per address when anonymous, and a bulk scope.

Throttles are off in the test settings; each test here sets small rates of its own.
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.settings.base import env_rate
from portrait import roles
from qualification.models import Lead

LEADS = reverse("v1:lead-list")
BULK = reverse("v1:lead-bulk-upsert")


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    """Set the throttle rates for the test: ``rates(user="3/min")``; the others are off."""

    def set_rates(**chosen: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "bulk": None, **chosen},
        }

    return set_rates


def push(client, key: str):
    lead = {"external_id": key, "company_name": key, "updated_at": "2025-03-01T10:00:00Z"}
    return client.post(BULK, {"source": "erp", "leads": [lead]}, format="json")


def test_an_account_over_its_rate_gets_a_json_429_with_retry_after(client_for, rates):
    rates(user="3/min")
    client = client_for(roles.SALES_MANAGERS)

    answers = [client.get(LEADS).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.get(LEADS)
    assert refused.json() == {
        "detail": refused.json()["detail"],
        "code": "throttled",
        "errors": {},
    }
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(refused["Retry-After"]) <= 60


def test_each_account_has_its_own_count(client_for, rates):
    rates(user="2/min")
    first, second = client_for(roles.SALES_MANAGERS), client_for(roles.SALES_MANAGERS)
    for _ in range(2):
        first.get(LEADS)

    assert first.get(LEADS).status_code == 429
    assert second.get(LEADS).status_code == 200


def test_each_token_is_counted_for_its_account(make_user, rates):
    rates(user="2/min")
    clients = []
    for _ in range(2):
        client = APIClient()
        token = Token.objects.create(user=make_user(roles.INTEGRATIONS))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        clients.append(client)
    first, second = clients

    assert [first.get(LEADS).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(LEADS).status_code == 200


def test_bulk_pushes_have_a_scope_of_their_own_and_a_refused_one_writes_nothing(client_for, rates):
    rates(user="100/min", bulk="2/min")
    client = client_for(roles.INTEGRATIONS)

    assert [push(client, f"l{index}").status_code for index in range(3)] == [200, 200, 429]
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["l0", "l1"]
    assert client.get(LEADS).status_code == 200


def test_anonymous_calls_are_throttled_before_their_401(api_client, db, rates):
    rates(anon="2/min")

    answers = [api_client.get(LEADS).status_code for _ in range(3)]

    assert answers == [401, 401, 429]
    assert api_client.get(LEADS)["Retry-After"]


def test_calls_with_a_bad_token_are_throttled_as_anonymous(api_client, db, rates):
    rates(anon="2/min")
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    answers = [api_client.get(LEADS).status_code for _ in range(3)]

    assert answers == [401, 401, 429]


def test_calls_refused_for_their_role_count_too(client_for, rates):
    rates(user="2/min")
    client = client_for()

    assert [client.get(LEADS).status_code for _ in range(3)] == [403, 403, 429]


@pytest.mark.parametrize(
    ("value", "rate"),
    [("120/min", "120/min"), (" 10/s ", "10/s"), ("5000/hour", "5000/hour"), ("off", None)],
)
def test_rates_come_from_the_environment(monkeypatch, value, rate):
    monkeypatch.setenv("API_THROTTLE_USER", value)

    assert env_rate("API_THROTTLE_USER", "600/min") == rate


def test_a_rate_that_is_not_one_stops_the_start(monkeypatch):
    monkeypatch.setenv("API_THROTTLE_USER", "fast")

    with pytest.raises(ImproperlyConfigured, match="API_THROTTLE_USER"):
        env_rate("API_THROTTLE_USER", "600/min")


def test_while_the_counts_are_unreachable_calls_go_through(client_for, rates, settings):
    rates(user="1/min")
    client = client_for(roles.SALES_MANAGERS)
    settings.CACHES = {"default": {"BACKEND": "tests.config.caches.UnreachableCache"}}

    assert [client.get(LEADS).status_code for _ in range(3)] == [200, 200, 200]
