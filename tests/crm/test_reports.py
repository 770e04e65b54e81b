"""Service reports: deadlines met and waiting times, the rating trend, clients out of touch,
and the owners' digest — exact figures from known feedback."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.contracts.services import contract_sign
from crm.feedback.delays import delay_record
from crm.feedback.services import feedback_acknowledge, feedback_record, feedback_resolve
from crm.models import Client, ContactDigest, Feedback
from crm.negotiations.services import negotiation_entry_add, negotiation_open
from crm.reports.arithmetic import (
    ServiceRecord,
    digest_period_start,
    last_contact,
    month_starts,
    percent,
    service_figures,
    share,
)
from crm.reports.digest import no_contact_digest_send
from crm.reports.selectors import (
    clients_out_of_touch,
    out_of_touch_rows,
    rating_report,
    service_report,
)
from crm.reports.tasks import no_contact_digest_task
from portrait import roles
from tests.crm.factories import (
    ClientFactory,
    DepartmentFactory,
    contract_data,
    published_rules,
    qualified_lead,
    target,
)

UTC = datetime.UTC


def at(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


# The arithmetic ------------------------------------------------------------------------


def record(key, month, response_due, acknowledged_at, resolution_due, resolved_at, waits):
    return ServiceRecord(
        key, month, response_due, acknowledged_at, resolution_due, resolved_at, *waits
    )


def test_compliance_counts_decided_deadlines_only_and_medians_the_answers_given():
    january, february = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
    records = [
        # First response in time, resolution late.
        record("email", january, at(2026, 1, 5, 10), at(2026, 1, 5, 9, 30),
               at(2026, 1, 5, 18), at(2026, 1, 5, 19), (30, 600)),
        # No first response and its deadline passed; the resolution is not due yet.
        record("email", january, at(2026, 1, 6, 10), None, at(2026, 1, 9, 18), None,
               (None, None)),
        # Answered exactly at the deadline: met.
        record("email", february, at(2026, 2, 2, 10), at(2026, 2, 2, 10),
               at(2026, 2, 2, 12), at(2026, 2, 2, 12), (60, 180)),
        # Received before any rules: no deadlines, left out.
        record("phone", january, None, None, None, None, (None, None)),
    ]  # fmt: skip

    figures = service_figures(records, now=at(2026, 1, 7))

    assert set(figures) == {("email", january), ("email", february), ("email", None)}
    month = figures[("email", january)]
    assert (month.items, month.response_decided, month.response_met) == (2, 2, 1)
    assert (month.resolution_decided, month.resolution_met) == (1, 0)
    assert (month.median_response_minutes, month.median_resolution_minutes) == (30.0, 600.0)
    total = figures[("email", None)]
    assert (total.items, total.response_met, total.response_decided) == (3, 2, 3)
    assert (total.resolution_met, total.resolution_decided) == (1, 2)
    assert (total.median_response_minutes, total.median_resolution_minutes) == (45.0, 390.0)
    assert (total.response_share, total.response_percent) == (Decimal("0.6667"), 67)
    assert (total.resolution_share, total.resolution_percent) == (Decimal("0.5000"), 50)


def test_a_share_with_nothing_decided_is_none_and_percentages_round_half_up():
    assert share(0, 0) is None
    assert percent(None) is None
    assert percent(share(5, 6)) == 83
    assert percent(share(1, 8)) == 13


def test_month_starts_cross_the_year_oldest_first():
    assert month_starts(datetime.date(2027, 2, 15), 3) == [
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
        datetime.date(2027, 2, 1),
    ]


@pytest.mark.parametrize(
    ("day", "days", "start"),
    [
        (datetime.date(2027, 3, 10), 7, datetime.date(2027, 3, 8)),  # a Wednesday: its Monday
        (datetime.date(2027, 3, 8), 7, datetime.date(2027, 3, 8)),
        (datetime.date(2027, 3, 14), 7, datetime.date(2027, 3, 8)),  # the Sunday after
        (datetime.date(2027, 3, 10), 1, datetime.date(2027, 3, 10)),
    ],
)
def test_a_digest_period_starts_on_its_first_day(day, days, start):
    assert digest_period_start(day, days=days) == start


def test_the_last_contact_is_the_latest_date_of_any_kind():
    assert last_contact(None, datetime.date(2026, 1, 5), at(2026, 2, 1, 9), None) == (
        datetime.date(2026, 2, 1)
    )
    assert last_contact(None, None) is None


# The reports from the database ---------------------------------------------------------


@pytest.fixture
def history(make_user):
    """Four items over three months, of two owners' clients, in two departments.

    The rules are open around the clock in UTC: a service minute is a minute.
    """
    admin = make_user(roles.ADMINS)
    manager = make_user(roles.SALES_MANAGERS, username="manager")
    alice = make_user(roles.SALES, username="alice")
    bob = make_user(roles.SALES, username="bob")
    published_rules(admin, targets=[target("email", 60, 240), target("phone", 30, 120)])
    mine, theirs = ClientFactory(name="Acme", owner=alice), ClientFactory(name="Beta", owner=bob)
    warehouse, logistics = DepartmentFactory(name="Warehouse"), DepartmentFactory(name="Logistics")

    def item(client, channel, department, received, rating, answered=(), user=alice):
        feedback, _ = feedback_record(
            user=user,
            data={
                "client": client,
                "channel": channel,
                "kind": "question",
                "rating": rating,
                "text": "?",
                "received_at": received,
                "department": department,
            },
        )
        for service, moment in zip(
            (feedback_acknowledge, feedback_resolve), answered, strict=False
        ):
            feedback = service(feedback=feedback, user=user, at=moment)
        return feedback

    # Answered in 30 minutes (due in 60); resolved after 300 (due in 240): late.
    item(
        mine,
        "email",
        warehouse,
        at(2026, 1, 5, 10),
        5,
        (at(2026, 1, 5, 10, 30), at(2026, 1, 5, 15)),
    )
    # Answered in 20 (due in 30), resolved in 60 (due in 120).
    item(
        mine,
        "phone",
        logistics,
        at(2026, 1, 20, 9),
        4,
        (at(2026, 1, 20, 9, 20), at(2026, 1, 20, 10)),
    )
    # Never answered: both deadlines passed.
    item(theirs, "email", warehouse, at(2026, 2, 10, 12), 1, user=bob)
    # Received half an hour before "now": nothing due yet.
    item(theirs, "email", None, at(2026, 3, 20, 11, 30), None, user=bob)
    now = at(2026, 3, 20, 12)
    return {"manager": manager, "alice": alice, "mine": mine, "now": now}


def cells(row):
    return [
        None if cell is None else (cell.items, cell.response_percent, cell.resolution_percent)
        for cell in row.cells
    ]


def test_deadlines_met_per_channel_and_month(history):
    report = service_report(user=history["manager"], by="channel", months=3, now=history["now"])

    assert report.months == [
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
        datetime.date(2026, 3, 1),
    ]
    assert [(row.key, row.label) for row in report.rows] == [
        ("email", "E-mail"),
        ("phone", "Phone"),
    ]
    email, phone = report.rows
    assert cells(email) == [(1, 100, 0), (1, 0, 0), (1, None, None)]
    assert (email.total.median_response_minutes, email.total.median_resolution_minutes) == (
        30.0,
        300.0,
    )
    assert cells(phone) == [(1, 100, 100), None, None]
    assert cells(report.overall) == [(2, 100, 50), (1, 0, 0), (1, None, None)]
    total = report.overall.total
    assert (total.items, total.response_met, total.response_decided) == (4, 2, 3)
    assert (total.resolution_met, total.resolution_decided) == (1, 3)
    assert (total.median_response_minutes, total.median_resolution_minutes) == (25.0, 180.0)


def test_deadlines_met_per_department_list_the_items_without_one_last(history):
    report = service_report(user=history["manager"], by="department", months=3, now=history["now"])

    assert [row.label for row in report.rows] == ["Logistics", "Warehouse", "No department"]
    assert [row.total.items for row in report.rows] == [1, 2, 1]


def test_deadlines_met_per_owner(history):
    report = service_report(user=history["manager"], by="owner", months=3, now=history["now"])

    assert [(row.label, row.total.response_percent) for row in report.rows] == [
        ("alice", 100),
        ("bob", 0),
    ]


def test_a_salesperson_reads_the_figures_of_their_own_clients_only(history):
    report = service_report(user=history["alice"], by="owner", months=3, now=history["now"])

    assert [row.label for row in report.rows] == ["alice"]
    assert report.overall.total.items == 2


def test_the_window_leaves_out_older_months(history):
    report = service_report(user=history["manager"], by="channel", months=1, now=history["now"])

    assert report.months == [datetime.date(2026, 3, 1)]
    assert report.overall.total.items == 1


def test_the_rating_trend_averages_each_month_and_all_of_them(history):
    report = rating_report(user=history["manager"], by="owner", months=3, now=history["now"])

    alice, bob = report.rows
    assert [None if cell is None else cell.average for cell in alice.cells] == [
        Decimal("4.50"),
        None,
        None,
    ]
    assert (alice.total.average, alice.total.ratings) == (Decimal("4.50"), 2)
    assert (bob.label, bob.total.average) == ("bob", Decimal("1.00"))
    assert (report.overall.total.average, report.overall.total.ratings) == (Decimal("3.33"), 3)


def test_the_rating_trend_of_one_client(history):
    report = rating_report(
        user=history["manager"], by="client", months=3, now=history["now"], client=history["mine"]
    )

    assert [row.label for row in report.rows] == ["Acme"]
    assert report.overall.total.average == Decimal("4.50")


def test_each_report_is_one_query(history):
    with CaptureQueriesContext(connection) as queries:
        service_report(user=history["manager"], by="owner", months=3, now=history["now"])
        rating_report(user=history["manager"], by="department", months=3, now=history["now"])

    # Two for the user's groups and permissions, then one per report.
    assert len([q for q in queries if "crm_feedback" in q["sql"]]) == 2


# Clients out of touch ------------------------------------------------------------------


@pytest.fixture
def contacts(make_user):
    """Clients whose last contact is of each kind, some older than 30 days."""
    owner = make_user(roles.SALES, username="olena", email="olena@example.com")
    admin = make_user(roles.ADMINS)
    published_rules(admin)
    now = timezone.now()

    def client(name, created_days_ago=0):
        made = ClientFactory(name=name, owner=owner)
        if created_days_ago:
            Client.objects.filter(pk=made.pk).update(
                created_at=now - datetime.timedelta(days=created_days_ago)
            )
        return made

    def feedback(target_client, days_ago):
        feedback_record(
            user=owner,
            data={
                "client": target_client,
                "channel": "email",
                "kind": "praise",
                "text": "!",
                "received_at": now - datetime.timedelta(days=days_ago),
            },
        )

    feedback(client("Heard 40 days ago", 90), 40)
    feedback(client("Heard 10 days ago", 90), 10)
    client("New, never heard")
    client("Old, never heard", 60)
    signed, _ = contract_sign(
        lead=qualified_lead(owner, company_name="Signed 45 days ago"),
        user=owner,
        data=contract_data("K-45", signed_on=timezone.localdate() - datetime.timedelta(days=45)),
    )
    Client.objects.filter(pk=signed.client_id).update(created_at=now - datetime.timedelta(days=45))
    negotiated = client("Negotiating now", 90)
    negotiation = negotiation_open(
        user=owner, client=negotiated, question="?", deadline=now + datetime.timedelta(days=3)
    )
    negotiation_entry_add(
        negotiation=negotiation, user=owner, party="client", kind="position", text="No."
    )
    department = DepartmentFactory(name="Logistics")
    delay_record(
        user=owner,
        data={
            "client": client("Told of a delay today", 90),
            "department": department,
            "reference": "ORD-1",
            "what": "Racks",
            "new_date": timezone.localdate() + datetime.timedelta(days=3),
        },
    )
    return {"owner": owner, "now": now}


def test_clients_out_of_touch_are_those_without_any_contact_for_30_days(contacts):
    rows = out_of_touch_rows(clients_out_of_touch(Client.objects.all()), now=contacts["now"])

    today = timezone.localdate(contacts["now"])
    assert [(row.client.name, row.last_contact, row.days) for row in rows] == [
        ("Old, never heard", None, 60),
        ("Signed 45 days ago", today - datetime.timedelta(days=45), 45),
        ("Heard 40 days ago", today - datetime.timedelta(days=40), 40),
    ]


def test_the_number_of_days_is_configurable(contacts, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "NO_CONTACT_DAYS": 50}

    names = [client.name for client in clients_out_of_touch(Client.objects.all())]

    assert names == ["Old, never heard"]


def test_each_owner_gets_one_digest_a_period(contacts, make_user):
    other = make_user(roles.SALES, username="quiet", email="")
    ClientFactory(name="Nobody's e-mail", owner=other)
    now = contacts["now"] + datetime.timedelta(days=1)

    first = no_contact_digest_send(now=now)
    again = no_contact_digest_send(now=now + datetime.timedelta(hours=1))
    next_period = no_contact_digest_send(now=now + datetime.timedelta(days=7))

    assert (first, again, next_period) == (1, 0, 1)
    assert [message.to for message in mail.outbox] == [["olena@example.com"]] * 2
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "3 clients have not heard from us for 30 days"
    assert "- Old, never heard: never contacted" in body
    assert "- Heard 40 days ago: last contact" in body
    assert list(ContactDigest.objects.values_list("owner__username", "clients")) == [
        ("olena", 3),
        ("olena", 3),
    ]


def test_an_inactive_owner_gets_no_digest(contacts):
    contacts["owner"].is_active = False
    contacts["owner"].save()

    assert no_contact_digest_send() == 0
    assert mail.outbox == []


def test_the_digest_task_sends_the_digests(contacts):
    assert no_contact_digest_task() == 1
    assert len(mail.outbox) == 1


def test_the_beat_schedules_the_digest(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["no-contact-digest"]

    assert (
        schedule["task"]
        == no_contact_digest_task.name
        == "crm.reports.tasks.no_contact_digest_task"
    )


# Through the API -----------------------------------------------------------------------


@pytest.fixture
def recent(make_user):
    """Items received two hours ago, each answered in 30 minutes (due in 60)."""
    admin = make_user(roles.ADMINS)
    published_rules(admin)
    owner = make_user(roles.SALES, username="alice")
    client = ClientFactory(name="Acme", owner=owner)
    received = timezone.now() - datetime.timedelta(hours=2)

    def make(count):
        for _ in range(count):
            feedback, _ = feedback_record(
                user=owner,
                data={
                    "client": client,
                    "channel": "email",
                    "kind": "question",
                    "rating": 4,
                    "text": "?",
                    "received_at": received,
                },
            )
            feedback_acknowledge(
                feedback=feedback, user=owner, at=received + datetime.timedelta(minutes=30)
            )

    make(2)
    return make


def test_the_api_gives_a_manager_the_deadlines_met_per_owner(client_for, recent):
    response = client_for(roles.SALES_MANAGERS).get(
        reverse("v1:report-service"), {"by": "owner", "months": "2"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["by"] == "owner"
    assert len(body["months"]) == 2
    [row] = body["rows"]
    assert (row["label"], row["total"]["items"]) == ("alice", 2)
    assert row["total"]["response"] == {"decided": 2, "met": 2, "share": "1.0000"}
    assert row["total"]["median_response_minutes"] == 30.0
    assert [month["items"] for month in row["months"]] == [2]


def test_the_api_gives_the_rating_trend_and_the_clients_out_of_touch(client_for, recent):
    manager = client_for(roles.SALES_MANAGERS)
    old = ClientFactory(name="Forgotten", owner=manager.user)
    Client.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))

    ratings = manager.get(reverse("v1:report-ratings"), {"by": "client"})
    untouched = manager.get(reverse("v1:report-no-contact"))

    assert ratings.status_code == 200
    assert [(row["label"], row["total"]["average"]) for row in ratings.json()["rows"]] == [
        ("Acme", "4.00")
    ]
    assert untouched.json() == [
        {
            "client": old.pk,
            "name": "Forgotten",
            "owner": manager.user.pk,
            "owner_username": manager.user.username,
            "last_contact": None,
            "days": 31,
        }
    ]


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("v1:report-service", {"by": "weather"}, "by"),
        ("v1:report-service", {}, "by"),
        ("v1:report-service", {"by": "channel", "months": "0"}, "months"),
        ("v1:report-ratings", {"by": "owner", "months": "25"}, "months"),
        ("v1:report-no-contact", {"days": "soon"}, "days"),
    ],
)
def test_a_bad_report_parameter_is_named(client_for, url, query, field):
    response = client_for(roles.ADMINS).get(reverse(url), query)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL, roles.INTEGRATIONS])
def test_the_reports_are_for_managers_and_admins(client_for, role):
    response = client_for(role).get(reverse("v1:report-service"), {"by": "channel"})

    assert response.status_code == 403


def test_the_service_report_costs_the_same_queries_for_more_items(client_for, recent):
    manager = client_for(roles.SALES_MANAGERS)
    url = reverse("v1:report-service")
    manager.get(url, {"by": "department"})  # the user's permissions, read once

    with CaptureQueriesContext(connection) as few:
        manager.get(url, {"by": "department"})
    recent(6)
    with CaptureQueriesContext(connection) as more:
        response = manager.get(url, {"by": "department"})

    assert response.json()["overall"]["total"]["items"] == 8
    assert len(more) == len(few)
    assert Feedback.objects.count() == 8


# The charts' geometry ------------------------------------------------------------------


def test_a_share_met_reads_good_fair_or_bad():
    from crm.reports.charts import tone

    assert [tone(value) for value in (None, 95, 90, 89, 75, 74)] == [
        "none",
        "good",
        "good",
        "fair",
        "fair",
        "bad",
    ]


def test_the_month_columns_are_the_shares_met():
    from crm.reports.arithmetic import ServiceFigures
    from crm.reports.charts import month_columns

    figures = ServiceFigures(items=4, response_decided=4, response_met=3, resolution_decided=0)

    first, empty = month_columns(["jan", "feb"], [figures, None])

    assert (first.response_height, first.response_y, first.resolution_height) == (75, 25, 0)
    assert (empty.response_height, empty.resolution_height) == (0, 0)


def test_the_sparkline_puts_five_on_top_and_skips_months_without_ratings():
    from crm.reports.charts import sparkline

    line = sparkline([Decimal("5"), None, Decimal("1")], width=100, height=30, margin=3)

    assert line.points == "3.0,3.0 97.0,27.0"
    assert [value for _x, _y, value in line.dots] == [Decimal("5"), Decimal("1")]


def test_the_digest_speaks_its_owners_language(contacts, monkeypatch):
    from django.utils import translation

    from crm.models import EmployeeProfile

    EmployeeProfile.objects.create(user=contacts["owner"], language="uk")
    languages = []
    monkeypatch.setattr(
        "crm.reports.digest.send_mail",
        lambda **message: languages.append(translation.get_language()),
    )

    no_contact_digest_send()

    assert languages == ["uk"]
