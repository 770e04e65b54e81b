"""Feedback, delays and service rules through the API, as DESIGN.md's contract reads."""

import datetime

import pytest
from django.urls import reverse

from crm.models import Feedback, ServiceRules
from portrait import roles
from tests.crm.factories import ClientFactory, DepartmentFactory
from tests.qualification.factories import LeadSourceFactory

pytestmark = pytest.mark.usefixtures("after_the_fixed_moments")
RULES = reverse("v1:service-rules-list")
FEEDBACK = reverse("v1:feedback-list")
BODY = {
    "title": "Service code",
    "standards": "Be liked, listen, negotiate.",
    "calendar": {
        "time_zone": "Europe/Warsaw",
        "holidays": "PL",
        "closed_days": ["2027-01-02"],
        "hours": {
            **{day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [],
            "sun": [],
        },
    },
    "targets": [
        {
            "channel": "email",
            "severity": "normal",
            "client_kind": None,
            "first_response_minutes": 240,
            "resolution_minutes": 960,
        }
    ],
}


@pytest.fixture
def published(client_for):
    admin = client_for(roles.ADMINS)
    created = admin.post(RULES, BODY, format="json")
    assert created.status_code == 201, created.json()
    rules_id = created.json()["id"]
    response = admin.post(reverse("v1:service-rules-publish", args=[rules_id]))
    assert response.status_code == 200
    return ServiceRules.objects.get(pk=rules_id)


def test_an_admin_writes_and_publishes_the_rules_and_everyone_acknowledges(client_for, published):
    body = client_for(roles.TECHNICAL).get(reverse("v1:service-rules-detail", args=[published.pk]))
    acknowledged = client_for(roles.SALES).post(
        reverse("v1:service-rules-acknowledge", args=[published.pk])
    )

    assert body.json()["calendar"] == BODY["calendar"]
    assert body.json()["title"] == "Service code"
    assert body.json()["status"] == "published"
    assert acknowledged.status_code == 200
    assert acknowledged.json()["is_acknowledged"] is True


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("time_zone", "Mars/Base", "calendar.time_zone"),
        ("hours", {"mon": [["18:00", "09:00"]]}, "calendar.hours"),
        ("closed_days", ["tomorrow"], "calendar.closed_days"),
        ("holidays", "XX", "calendar.holidays"),
    ],
)
def test_a_bad_calendar_is_named(client_for, path, value, field):
    body = {**BODY, "calendar": {**BODY["calendar"], path: value}}

    response = client_for(roles.ADMINS).post(RULES, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_target_repeated_is_named_by_its_index(client_for):
    body = {**BODY, "targets": BODY["targets"] * 2}

    response = client_for(roles.ADMINS).post(RULES, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["targets[1].channel"]


def test_feedback_gets_its_deadlines_and_a_resend_returns_the_item(client_for, published):
    api = client_for(roles.SALES)
    client = ClientFactory(owner=api.user)
    body = {
        "client": client.pk,
        "channel": "email",
        "kind": "complaint",
        "rating": 1,
        "text": "Late again",
        "received_at": "2027-03-05T15:00:00Z",
        "severity": "normal",
        "source": "helpdesk",
        "external_id": "T-9",
    }

    first = api.post(FEEDBACK, body, format="json")
    again = api.post(FEEDBACK, body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    answer = first.json()
    assert (answer["status"], answer["rules_version"], answer["escalated"]) == (
        "open",
        published.version,
        True,
    )
    assert answer["response_due"] == "2027-03-08T10:00:00Z"
    assert again.json()["id"] == answer["id"]
    assert Feedback.objects.count() == 1


def test_feedback_is_acknowledged_then_resolved_and_filtered(client_for, published):
    api = client_for(roles.TECHNICAL)
    item = api.post(
        FEEDBACK,
        {"client": ClientFactory().pk, "channel": "phone", "kind": "question", "text": "?"},
        format="json",
    ).json()

    acknowledged = api.post(reverse("v1:feedback-acknowledge", args=[item["id"]]))
    resolved = api.post(reverse("v1:feedback-resolve", args=[item["id"]]))
    again = api.post(reverse("v1:feedback-resolve", args=[item["id"]]))

    assert acknowledged.json()["status"] == "acknowledged"
    assert resolved.json()["status"] == "resolved"
    assert again.status_code == 400
    assert [row["id"] for row in api.get(FEEDBACK, {"status": "resolved"}).json()["results"]] == [
        item["id"]
    ]


def test_an_integration_pushes_feedback_of_its_sources_only(client_for):
    api = client_for(roles.INTEGRATIONS)
    LeadSourceFactory(name="helpdesk", accounts=[api.user])
    body = {"client": ClientFactory().pk, "channel": "web_order", "kind": "question", "text": "?"}

    own = api.post(FEEDBACK, {**body, "source": "helpdesk", "external_id": "1"}, format="json")
    other = api.post(FEEDBACK, {**body, "source": "crm", "external_id": "2"}, format="json")

    assert own.status_code == 201
    assert other.status_code == 403
    assert Feedback.objects.count() == 1


def test_a_salesperson_records_feedback_only_for_clients_they_see(client_for, make_user):
    api = client_for(roles.SALES)
    theirs = ClientFactory(owner=make_user(roles.SALES))

    response = api.post(
        FEEDBACK,
        {"client": theirs.pk, "channel": "email", "kind": "praise", "text": "Thanks"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["client"]


def test_a_delay_through_the_api_counts_postponements(client_for):
    api = client_for(roles.TECHNICAL)
    client = ClientFactory()
    body = {
        "client": client.pk,
        "department": DepartmentFactory().pk,
        "reference": "ORDER-1",
        "what": "Racks",
        "new_date": str(datetime.date(2027, 5, 1)),
    }

    first = api.post(reverse("v1:delay-list"), body, format="json")
    second = api.post(reverse("v1:delay-list"), body, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["postponement"], second.json()["postponement"]) == (1, 2)


# Bounds: what no client could have said, and rules that could never count ------------


@pytest.mark.parametrize(
    "received_at",
    [
        "9999-12-31T23:59:59Z",
        "2027-03-08T09:00:00Z",
        "0001-01-01T00:00:00Z",
        "1990-05-01T00:00:00Z",
    ],
)
def test_feedback_received_in_the_future_or_long_ago_is_a_400_naming_it(
    client_for, published, received_at
):
    api = client_for(roles.SALES)
    body = {
        "client": ClientFactory(owner=api.user).pk,
        "channel": "email",
        "kind": "praise",
        "text": "x",
        "received_at": received_at,
    }

    response = api.post(FEEDBACK, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["received_at"]
    assert not Feedback.objects.exists()


def test_an_external_id_of_another_clients_item_is_refused_and_shows_nothing(
    client_for, published, make_user
):
    someone_else = ClientFactory(owner=make_user(roles.SALES))
    theirs = {
        "client": someone_else.pk,
        "channel": "email",
        "kind": "complaint",
        "text": "Their private complaint",
        "source": "helpdesk",
        "external_id": "T-50",
    }
    assert client_for(roles.SALES_MANAGERS).post(FEEDBACK, theirs, format="json").status_code == 201
    api = client_for(roles.SALES)
    mine = {**theirs, "client": ClientFactory(owner=api.user).pk, "text": "x"}

    response = api.post(FEEDBACK, mine, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["external_id"]
    assert "Their private complaint" not in response.content.decode()
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize(
    ("calendar", "targets"),
    [
        # Never open.
        ({"hours": {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}, None),
        # Open an hour a week: three years hold 157 hours, not the year a target asks.
        ({"hours": {"mon": [["09:00", "10:00"]]}}, 366 * 24 * 60),
    ],
)
def test_rules_that_could_never_count_a_deadline_are_not_published(client_for, calendar, targets):
    admin = client_for(roles.ADMINS)
    body = {**BODY, "calendar": {**BODY["calendar"], **calendar}}
    if targets:
        body["targets"] = [{**BODY["targets"][0], "resolution_minutes": targets}]
    draft = admin.post(RULES, body, format="json")
    assert draft.status_code == 201, draft.json()

    response = admin.post(reverse("v1:service-rules-publish", args=[draft.json()["id"]]))

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["calendar.hours"]
    assert not ServiceRules.objects.filter(status="published").exists()


def test_a_target_longer_than_a_year_is_named(client_for):
    body = {**BODY, "targets": [{**BODY["targets"][0], "resolution_minutes": 10**12}]}

    response = client_for(roles.ADMINS).post(RULES, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["targets[0].resolution_minutes"]


def test_a_delay_to_a_date_already_passed_is_named(client_for):
    body = {
        "client": ClientFactory().pk,
        "department": DepartmentFactory().pk,
        "reference": "ORDER-1",
        "what": "Racks",
        "new_date": "2027-03-07",  # the day before the clock's
    }

    response = client_for(roles.TECHNICAL).post(reverse("v1:delay-list"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["new_date"]
