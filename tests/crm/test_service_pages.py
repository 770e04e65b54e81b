"""The pages of listening: the feedback queue with its time left, the forms, the first
response and resolution, negotiations opened from feedback, the client's timeline, the
service rules page and the reports page — per role, allowed and refused."""

import datetime

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.choices import FeedbackStatus
from crm.feedback.delays import delay_record
from crm.feedback.services import feedback_acknowledge, feedback_record, feedback_resolve
from crm.models import (
    Delay,
    Escalation,
    Feedback,
    Negotiation,
    ServiceRulesAcknowledgement,
)
from portrait import roles
from tests.crm.factories import (
    ClientFactory,
    DepartmentFactory,
    published_rules,
    target,
)

NO_GROUP = "no group"
STAFF = [roles.TECHNICAL, roles.SALES, roles.SALES_MANAGERS, roles.ADMINS]
NOT_STAFF = [roles.INTEGRATIONS, NO_GROUP]


@pytest.fixture
def page_for(make_user):
    def make(role: str, **fields) -> Browser:
        browser = Browser()
        browser.user = make_user(*([] if role == NO_GROUP else [role]), **fields)
        browser.force_login(browser.user)
        return browser

    return make


@pytest.fixture
def rules(make_user):
    """Open around the clock in UTC: e-mail answered within 4 hours, resolved within 16;
    nothing set for the web order channel."""
    return published_rules(make_user(roles.ADMINS), targets=[target("email", 240, 960)])


def ago(minutes: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def record(client, *, received_at, channel="email", kind="question", text="When?", **fields):
    feedback, _ = feedback_record(
        user=client.owner,
        data={
            "client": client,
            "channel": channel,
            "kind": kind,
            "text": text,
            "received_at": received_at,
            **fields,
        },
    )
    return feedback


# The queue ---------------------------------------------------------------------------


def test_the_queue_puts_the_most_overdue_first_then_the_nearest_deadline(page_for, rules):
    manager = page_for(roles.SALES_MANAGERS)
    client = ClientFactory(owner=manager.user)
    # Due: the first response 240 minutes after arrival, the resolution 960 after.
    record(client, received_at=ago(10), text="later")  # response due in 230
    record(client, received_at=ago(400), text="most overdue")  # 160 past
    answered = record(client, received_at=ago(900), text="answered")  # resolution due in 60
    feedback_acknowledge(feedback=answered, user=manager.user)
    record(client, received_at=ago(300), text="overdue")  # 60 past
    record(client, received_at=ago(5), channel="web_order", text="no target")
    feedback_resolve(feedback=record(client, received_at=ago(1), text="done"), user=manager.user)

    response = manager.get(reverse("crm:feedback"))

    queue = [item.text for item in response.context["page"].object_list]
    assert queue == ["most overdue", "overdue", "answered", "later", "no target"]
    assert response.context["overdue_count"] == 2


def test_the_queue_tells_the_service_time_left_and_how_late(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    # Due in 240 service minutes: 140 and a half left, and 40 and a half past.
    record(client, received_at=ago(99.5), text="in time")
    record(client, received_at=ago(280.5), text="late")

    content = seller.get(reverse("crm:feedback")).content.decode()

    assert "2 h 20 min of service time left for the first response" in content
    assert "First response overdue by 40 min of service time" in content


def test_the_queue_shows_resolved_items_when_asked(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    feedback_resolve(feedback=record(client, received_at=ago(30), text="done"), user=seller.user)

    waiting = seller.get(reverse("crm:feedback"))
    everything = seller.get(reverse("crm:feedback"), {"resolved": ""})

    assert list(waiting.context["page"].object_list) == []
    assert [item.text for item in everything.context["page"].object_list] == ["done"]
    assert "✓ Resolved" in everything.content.decode()


def test_a_salesperson_sees_the_feedback_of_their_own_clients(page_for, make_user, rules):
    seller = page_for(roles.SALES)
    record(ClientFactory(owner=seller.user), received_at=ago(5), text="mine")
    other = make_user(roles.SALES)
    record(ClientFactory(owner=other), received_at=ago(5), text="theirs")

    response = seller.get(reverse("crm:feedback"))

    assert [item.text for item in response.context["page"].object_list] == ["mine"]


def test_the_queue_costs_the_same_queries_for_more_items(page_for, rules):
    manager = page_for(roles.SALES_MANAGERS)
    client = ClientFactory(owner=manager.user)
    department = DepartmentFactory(name="IT")

    def items(count):
        for number in range(count):
            feedback = record(
                client,
                received_at=ago(number * 50),
                kind="complaint",
                department=department,
            )
            if number % 2:
                feedback_acknowledge(feedback=feedback, user=manager.user)

    items(3)
    manager.get(reverse("crm:feedback"))  # the session and permissions, read once
    with CaptureQueriesContext(connection) as few:
        manager.get(reverse("crm:feedback"))
    items(9)
    with CaptureQueriesContext(connection) as more:
        response = manager.get(reverse("crm:feedback"))

    assert len(response.context["page"].object_list) == 12
    assert len(more) == len(few)


@pytest.mark.parametrize("role", STAFF)
def test_every_employee_has_the_queue(page_for, role):
    assert page_for(role).get(reverse("crm:feedback")).status_code == 200


@pytest.mark.parametrize("role", NOT_STAFF)
def test_integrations_and_people_without_a_role_have_no_queue(page_for, role):
    assert page_for(role).get(reverse("crm:feedback")).status_code == 403


def test_the_queue_asks_strangers_to_log_in(client):
    response = client.get(reverse("crm:feedback"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_queue_lays_out_right_to_left_in_hebrew(page_for, rules):
    seller = page_for(roles.SALES)
    record(ClientFactory(owner=seller.user, name="נגב"), received_at=ago(5), text="שלום")

    content = seller.get(reverse("crm:feedback"), HTTP_ACCEPT_LANGUAGE="he").content.decode()

    assert '<html lang="he" dir="rtl">' in content
    assert "<bdi>נגב</bdi>" in content
    assert "<bdi>שלום</bdi>" in content


# Recording feedback and delays -------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_every_employee_records_feedback_from_the_form(page_for, rules, role):
    employee = page_for(role)
    client = ClientFactory(owner=employee.user)

    response = employee.post(
        reverse("crm:feedback-new"),
        {
            "client": client.pk,
            "kind": "complaint",
            "channel": "email",
            "severity": "normal",
            "rating": "2",
            "text": "The invoice is wrong.",
        },
    )

    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert (feedback.client, feedback.taken_by, feedback.rating) == (client, employee.user, 2)
    assert feedback.response_due == feedback.received_at + datetime.timedelta(minutes=240)
    assert sorted(Escalation.objects.values_list("reason", flat=True)) == [
        "complaint",
        "low_rating",
    ]


def test_the_feedback_form_returns_to_the_page_it_came_from(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    back = reverse("crm:client", args=[client.pk])

    form = seller.get(reverse("crm:feedback-new"), {"client": client.pk, "next": back})
    response = seller.post(
        reverse("crm:feedback-new"),
        {"client": client.pk, "kind": "praise", "channel": "phone", "severity": "normal",
         "text": "Thanks", "next": back},
    )  # fmt: skip

    assert form.context["form"]["client"].value() == str(client.pk)
    assert response["Location"] == back


def test_the_feedback_form_never_sends_anyone_to_another_site(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)

    response = seller.post(
        reverse("crm:feedback-new"),
        {"client": client.pk, "kind": "praise", "channel": "phone", "severity": "normal",
         "text": "Thanks", "next": "https://evil.example/"},
    )  # fmt: skip

    assert response["Location"] == reverse("crm:feedback")


def test_a_salesperson_cannot_record_feedback_for_a_client_they_do_not_see(
    page_for, make_user, rules
):
    seller = page_for(roles.SALES)
    theirs = ClientFactory(owner=make_user(roles.SALES))

    response = seller.post(
        reverse("crm:feedback-new"),
        {"client": theirs.pk, "kind": "praise", "channel": "email", "severity": "normal",
         "text": "?"},
    )  # fmt: skip

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["client"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("role", NOT_STAFF)
def test_integrations_record_no_feedback_from_the_page(page_for, role):
    client = ClientFactory()

    response = page_for(role).post(
        reverse("crm:feedback-new"),
        {"client": client.pk, "kind": "praise", "channel": "email", "severity": "normal",
         "text": "?"},
    )  # fmt: skip

    assert response.status_code == 403
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("role", STAFF)
def test_every_department_tells_a_delay_and_postponements_are_counted(page_for, role):
    employee = page_for(role)
    client = ClientFactory(owner=employee.user)
    logistics = DepartmentFactory(name="Logistics")
    body = {"client": client.pk, "department": logistics.pk, "reference": "ORD-7",
            "what": "Racks"}  # fmt: skip

    employee.post(reverse("crm:delay-new"), {**body, "new_date": "2030-01-10"})
    response = employee.post(reverse("crm:delay-new"), {**body, "new_date": "2030-01-17"})

    assert response["Location"] == reverse("crm:client", args=[client.pk])
    assert list(Delay.objects.order_by("postponement").values_list("postponement", "new_date")) == [
        (1, datetime.date(2030, 1, 10)),
        (2, datetime.date(2030, 1, 17)),
    ]


def test_a_delay_for_a_client_nobody_can_mail_says_to_tell_them_yourself(page_for):
    employee = page_for(roles.SALES)
    client = ClientFactory(owner=employee.user)
    body = {"client": client.pk, "department": DepartmentFactory().pk, "reference": "ORD-8",
            "what": "Racks", "new_date": "2030-01-10"}  # fmt: skip

    response = employee.post(reverse("crm:delay-new"), body, follow=True)

    assert "no contact with an e-mail: tell them yourself" in response.content.decode()


@pytest.mark.parametrize("role", NOT_STAFF)
def test_integrations_tell_no_delay_from_the_page(page_for, role):
    client = ClientFactory()
    logistics = DepartmentFactory(name="Logistics")

    response = page_for(role).post(
        reverse("crm:delay-new"),
        {"client": client.pk, "department": logistics.pk, "reference": "ORD-7", "what": "Racks",
         "new_date": "2030-01-10"},
    )  # fmt: skip

    assert response.status_code == 403
    assert not Delay.objects.exists()


# Answering ---------------------------------------------------------------------------


def test_the_acknowledge_and_resolve_buttons_answer_through_the_services(page_for, rules):
    seller = page_for(roles.SALES)
    feedback = record(ClientFactory(owner=seller.user), received_at=ago(30))

    acknowledged = seller.post(reverse("crm:feedback-acknowledge", args=[feedback.pk]))
    feedback.refresh_from_db()
    status_after_acknowledging = feedback.status
    resolved = seller.post(
        reverse("crm:feedback-resolve", args=[feedback.pk]),
        {"next": reverse("crm:client", args=[feedback.client_id])},
    )
    feedback.refresh_from_db()

    assert acknowledged["Location"] == reverse("crm:feedback")
    assert status_after_acknowledging == FeedbackStatus.ACKNOWLEDGED
    assert resolved["Location"] == reverse("crm:client", args=[feedback.client_id])
    assert (feedback.status, feedback.resolved_by) == (FeedbackStatus.RESOLVED, seller.user)
    assert feedback.response_minutes == 30


def test_resolving_twice_says_so_and_changes_nothing(page_for, rules):
    seller = page_for(roles.SALES)
    feedback = feedback_resolve(
        feedback=record(ClientFactory(owner=seller.user), received_at=ago(30)), user=seller.user
    )

    response = seller.post(reverse("crm:feedback-resolve", args=[feedback.pk]), follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["This feedback is resolved already."]
    assert Feedback.objects.get().resolved_at == feedback.resolved_at


def test_nobody_answers_the_feedback_of_a_client_they_do_not_see(page_for, make_user, rules):
    feedback = record(ClientFactory(owner=make_user(roles.SALES)), received_at=ago(30))

    response = page_for(roles.SALES).post(reverse("crm:feedback-acknowledge", args=[feedback.pk]))

    assert response.status_code == 404
    assert Feedback.objects.get().status == FeedbackStatus.OPEN


@pytest.mark.parametrize("role", NOT_STAFF)
def test_integrations_answer_nothing_from_the_page(page_for, make_user, role, rules):
    feedback = record(ClientFactory(owner=make_user(roles.SALES)), received_at=ago(30))

    response = page_for(role).post(reverse("crm:feedback-resolve", args=[feedback.pk]))

    assert response.status_code == 403
    assert Feedback.objects.get().status == FeedbackStatus.OPEN


def test_the_buttons_take_no_get(page_for, rules):
    seller = page_for(roles.SALES)
    feedback = record(ClientFactory(owner=seller.user), received_at=ago(30))

    assert seller.get(reverse("crm:feedback-acknowledge", args=[feedback.pk])).status_code == 405
    assert Feedback.objects.get().status == FeedbackStatus.OPEN


# A negotiation from a feedback item, and the client's timeline ------------------------


def test_a_negotiation_opened_from_feedback_links_both_ways_on_the_client_page(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    feedback = record(client, received_at=ago(30), kind="complaint", text="Wrong invoice")

    form = seller.get(reverse("crm:feedback-negotiate", args=[feedback.pk]))
    response = seller.post(
        reverse("crm:feedback-negotiate", args=[feedback.pk]),
        {"question": "Who pays for the correction?", "deadline": "2030-01-10T12:00"},
    )

    negotiation = Negotiation.objects.get()
    assert form.context["form"]["question"].value() == "Wrong invoice"
    assert response["Location"] == (
        reverse("crm:client", args=[client.pk]) + f"#negotiation-{negotiation.pk}"
    )
    assert (negotiation.client, negotiation.feedback) == (client, feedback)
    page = seller.get(reverse("crm:client", args=[client.pk])).content.decode()
    assert f'href="#feedback-{feedback.pk}"' in page
    assert f"#negotiation-{negotiation.pk}" in page


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.ADMINS])
def test_only_those_who_negotiate_open_a_negotiation_from_feedback(
    page_for, make_user, role, rules
):
    feedback = record(ClientFactory(owner=make_user(roles.SALES)), received_at=ago(30))

    response = page_for(role).post(
        reverse("crm:feedback-negotiate", args=[feedback.pk]),
        {"question": "?", "deadline": "2030-01-10T12:00"},
    )

    assert response.status_code == 403
    assert not Negotiation.objects.exists()


def test_the_client_page_tells_its_story_newest_first(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user, name="Acme")
    record(client, received_at=ago(60), text="Where is my order?", rating=2)
    logistics = DepartmentFactory(name="Logistics")
    for new_date in (datetime.date(2030, 1, 10), datetime.date(2030, 1, 17)):
        delay_record(
            user=seller.user,
            data={"client": client, "department": logistics, "reference": "ORD-7",
                  "what": "Racks", "new_date": new_date},
        )  # fmt: skip

    response = seller.get(reverse("crm:client", args=[client.pk]))

    kinds = [event.kind for event in response.context["timeline"]]
    assert kinds == ["delay", "delay", "feedback"]
    content = response.content.decode()
    assert "<bdi>Where is my order?</bdi>" in content
    assert "postponement 2 of 2" in content
    assert "moved from 01/10/2030 to 01/17/2030" in content
    assert "⚑ escalated" in content


def test_the_client_page_flags_a_client_nobody_contacted(page_for, rules):
    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    record(client, received_at=ago(60 * 24 * 45), text="Long ago")

    content = seller.get(reverse("crm:client", args=[client.pk])).content.decode()

    assert 'id="out-of-touch"' in content
    assert "No contact for 45 days" in content


def test_the_clients_page_lists_the_own_clients_out_of_touch(page_for, make_user, rules):
    seller = page_for(roles.SALES)
    record(ClientFactory(owner=seller.user, name="Quiet"), received_at=ago(60 * 24 * 40))
    record(
        ClientFactory(owner=make_user(roles.SALES), name="Theirs"), received_at=ago(60 * 24 * 40)
    )

    response = seller.get(reverse("crm:clients"))

    assert [row.client.name for row in response.context["out_of_touch"]] == ["Quiet"]


# The service rules page --------------------------------------------------------------


def test_the_rules_page_reads_the_rules_in_force(page_for, make_user):
    published_rules(
        make_user(roles.ADMINS),
        standards="Be liked.\n\nListen.",
        time_zone="Europe/Kyiv",
        holiday_country="PL",
        hours={"mon": [["09:00", "13:00"], ["14:00", "18:00"]]},
        closed_days=["2099-01-02"],
        targets=[target("phone", 30, 480), target("email", 240, 960, client_kind="internal")],
    )

    response = page_for(roles.TECHNICAL).get(reverse("crm:service-rules"))

    content = response.content.decode()
    assert "<p>Be liked.</p>" in content
    assert "09:00–13:00</span>, <span" in content
    week = response.context["week"]
    assert (week[0].name, week[6].name, week[6].intervals) == ("Monday", "Sunday", [])
    assert "Public holidays of Poland" in content
    assert "30 min" in content and "8 h" in content
    assert "Internal (a department of ours)" in content
    assert "I have read them" in content


def test_an_employee_acknowledges_the_rules_from_their_page(page_for, make_user):
    rules = published_rules(make_user(roles.ADMINS))
    # Joined after the rules were published: never asked, and still acknowledges them.
    seller = page_for(roles.SALES)

    response = seller.post(reverse("crm:service-rules-acknowledge"), follow=True)

    acknowledgement = ServiceRulesAcknowledgement.objects.get(document=rules, user=seller.user)
    assert acknowledgement.acknowledged_at is not None
    assert 'id="acknowledged"' in response.content.decode()


def test_integrations_read_the_rules_but_acknowledge_nothing(page_for, make_user):
    rules = published_rules(make_user(roles.ADMINS))
    integration = page_for(roles.INTEGRATIONS)

    page = integration.get(reverse("crm:service-rules"))
    refused = integration.post(reverse("crm:service-rules-acknowledge"))

    assert page.status_code == 200
    assert "I have read them" not in page.content.decode()
    assert refused.status_code == 403
    assert not ServiceRulesAcknowledgement.objects.filter(
        document=rules, user=integration.user
    ).exists()


def test_without_rules_in_force_the_page_says_so(page_for):
    seller = page_for(roles.SALES)

    page = seller.get(reverse("crm:service-rules"))
    acknowledged = seller.post(reverse("crm:service-rules-acknowledge"), follow=True)

    assert "No service rules are in force yet." in page.content.decode()
    assert [str(message) for message in acknowledged.context["messages"]] == [
        "No service rules are in force yet."
    ]


def test_the_navigation_links_the_pages_each_role_may_open(page_for):
    seller = page_for(roles.SALES).get(reverse("crm:service-rules")).content.decode()
    manager = page_for(roles.SALES_MANAGERS).get(reverse("crm:service-rules")).content.decode()

    for link in (reverse("crm:feedback"), reverse("crm:service-rules")):
        assert f'href="{link}"' in seller
    assert f'href="{reverse("crm:reports")}"' not in seller
    assert f'href="{reverse("crm:reports")}"' in manager


# The reports page --------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.SALES_MANAGERS, roles.ADMINS])
def test_managers_and_admins_read_the_reports(page_for, role, rules):
    reader = page_for(role)
    feedback = record(ClientFactory(owner=reader.user), received_at=ago(90), rating=4)
    feedback_acknowledge(feedback=feedback, user=reader.user, at=ago(60))

    response = reader.get(reverse("crm:reports"), {"by": "owner", "rating_by": "client"})

    assert response.status_code == 200
    assert response.context["overall"].response_percent == 100
    assert response.context["overall"].median_response_minutes == 30.0
    assert [row.label for row in response.context["service"].rows] == [reader.user.username]
    assert response.context["chosen"] == {"by": "owner", "rating_by": "client", "months": 6}
    assert 'id="response-compliance">100%' in response.content.decode()


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL, *NOT_STAFF])
def test_the_reports_page_is_refused_to_everyone_else(page_for, role):
    assert page_for(role).get(reverse("crm:reports")).status_code == 403


def test_the_reports_page_falls_back_on_its_defaults_for_bad_choices(page_for):
    response = page_for(roles.ADMINS).get(reverse("crm:reports"), {"by": "weather", "months": "99"})

    assert response.status_code == 200
    assert response.context["chosen"] == {"by": "channel", "rating_by": "owner", "months": 6}
