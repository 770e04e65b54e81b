"""The service rules, feedback, delays and escalations in the admin: rules on the versioned
document's pattern, feedback and delays recorded and answered through their services."""

import datetime

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from crm.choices import FeedbackStatus
from crm.feedback.services import feedback_record
from crm.models import Delay, Escalation, Feedback, ServiceRules, ServiceTarget
from crm.rules.services import service_rules_acknowledge, service_rules_create
from portrait import roles
from portrait.choices import DocumentStatus
from tests.crm.factories import ClientFactory, DepartmentFactory, published_rules, target

RULES = reverse("admin:crm_servicerules_changelist")
RULES_ADD = reverse("admin:crm_servicerules_add")


@pytest.fixture
def admin_page(make_user):
    browser = Browser()
    browser.user = make_user(roles.ADMINS, is_staff=True)
    browser.force_login(browser.user)
    return browser


def targets_management(total: int, initial: int = 0) -> dict:
    return {
        "targets-TOTAL_FORMS": str(total),
        "targets-INITIAL_FORMS": str(initial),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }


def rules_form(**fields) -> dict:
    return {
        "name": "Service code",
        "standards": "Be liked.",
        "time_zone": "Europe/Kyiv",
        "holiday_country": "ua",
        "hours": "mon: 09:00-13:00, 14:00-18:00\ntue: 09:00-18:00\nsat:",
        "closed_days": "2027-01-02\n2026-12-25\n",
        **targets_management(1),
        "targets-0-channel": "email",
        "targets-0-severity": "normal",
        "targets-0-client_kind": "",
        "targets-0-first_response_minutes": "240",
        "targets-0-resolution_minutes": "960",
        **fields,
    }


def test_an_admin_writes_a_draft_with_its_calendar_and_targets(admin_page):
    response = admin_page.post(RULES_ADD, rules_form())

    assert response.status_code == 302
    rules = ServiceRules.objects.get()
    assert (rules.version, rules.status, rules.created_by) == (1, "draft", admin_page.user)
    assert rules.holiday_country == "UA"
    assert rules.hours == {
        "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
        "tue": [["09:00", "18:00"]],
        "wed": [],
        "thu": [],
        "fri": [],
        "sat": [],
        "sun": [],
    }
    assert rules.closed_days == ["2026-12-25", "2027-01-02"]
    assert list(rules.targets.values_list("channel", "first_response_minutes")) == [("email", 240)]


def test_the_change_form_writes_the_hours_a_weekday_a_line(admin_page):
    rules = service_rules_create(
        user=admin_page.user,
        data={
            "name": "Code",
            "hours": {"mon": [["09:00", "18:00"]]},
            "closed_days": ["2027-01-02"],
        },
    )

    content = admin_page.get(reverse("admin:crm_servicerules_change", args=[rules.pk])).content

    assert "mon: 09:00-18:00\ntue: \n" in content.decode()
    assert "2027-01-02</textarea>" in content.decode()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("monday 09:00-18:00", "Line 1: start with a weekday (mon … sun) and a colon."),
        ("mon: 09:00", "Line 1: write each interval as 09:00-18:00."),
        ("mon: 18:00-09:00", "mon: 18:00–09:00 is not an interval of the day"),
    ],
)
def test_badly_written_hours_are_named_and_nothing_is_saved(admin_page, hours, message):
    response = admin_page.post(RULES_ADD, rules_form(hours=hours))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ServiceRules.objects.exists()


def test_publishing_from_the_admin_asks_every_employee_and_lists_who_has_not_read(
    admin_page, make_user
):
    make_user(roles.SALES)
    make_user(roles.TECHNICAL)
    draft = service_rules_create(
        user=admin_page.user,
        data={"name": "Code", "hours": {"mon": [["09:00", "18:00"]]}, "targets": [target()]},
    )

    admin_page.post(RULES, {"action": "publish", "_selected_action": [draft.pk]})
    service_rules_acknowledge(rules=ServiceRules.objects.get(), user=admin_page.user)
    listing = admin_page.get(RULES).content.decode()

    assert ServiceRules.objects.get().status == DocumentStatus.PUBLISHED
    assert f'?document__id__exact={draft.pk}&amp;acknowledged=no">2</a>' in listing


def test_a_published_version_is_read_only_and_copies_into_a_new_draft(admin_page):
    rules = published_rules(admin_page.user, name="In force")
    url = reverse("admin:crm_servicerules_change", args=[rules.pk])

    page = admin_page.get(url)
    changed = admin_page.post(url, rules_form(name="Changed"))
    admin_page.post(RULES, {"action": "copy_as_draft", "_selected_action": [rules.pk]})

    assert 'name="_save"' not in page.content.decode()
    assert changed.status_code == 403
    assert ServiceRules.objects.get(pk=rules.pk).name == "In force"
    copy = ServiceRules.objects.get(status=DocumentStatus.DRAFT)
    assert (copy.version, copy.based_on) == (2, rules)
    assert ServiceTarget.objects.filter(rules=copy).count() == 1


def test_a_manager_in_the_admin_may_not_write_the_rules(make_user):
    manager = Browser()
    manager.force_login(make_user(roles.SALES_MANAGERS, is_staff=True))

    response = manager.post(RULES_ADD, rules_form())

    assert response.status_code == 403
    assert not ServiceRules.objects.exists()


# Feedback, delays and escalations -----------------------------------------------------


def test_feedback_added_in_the_admin_gets_its_deadlines_and_bad_news_flies(admin_page):
    published_rules(admin_page.user)
    client = ClientFactory()
    received = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10)

    response = admin_page.post(
        reverse("admin:crm_feedback_add"),
        {
            "client": client.pk,
            "kind": "complaint",
            "channel": "email",
            "severity": "normal",
            "rating": "",
            "text": "Wrong invoice",
            "received_at_0": received.strftime("%Y-%m-%d"),
            "received_at_1": received.strftime("%H:%M:%S"),
            "source": "",
            "external_id": "",
            "escalations-TOTAL_FORMS": "0",
            "escalations-INITIAL_FORMS": "0",
            "escalations-MIN_NUM_FORMS": "0",
            "escalations-MAX_NUM_FORMS": "1000",
        },
    )

    feedback = Feedback.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert feedback.taken_by == admin_page.user
    assert feedback.response_due == received + datetime.timedelta(minutes=60)
    assert list(Escalation.objects.values_list("reason", flat=True)) == ["complaint"]


def test_recorded_feedback_is_read_only_and_moves_on_only_by_the_actions(admin_page):
    published_rules(admin_page.user)
    feedback, _ = feedback_record(
        user=admin_page.user,
        data={"client": ClientFactory(), "channel": "email", "kind": "question", "text": "?"},
    )
    url = reverse("admin:crm_feedback_change", args=[feedback.pk])
    changelist = reverse("admin:crm_feedback_changelist")

    page = admin_page.get(url).content.decode()
    admin_page.post(url, {"text": "Changed", "status": "resolved"})
    untouched = Feedback.objects.get()
    admin_page.post(changelist, {"action": "acknowledge", "_selected_action": [feedback.pk]})
    acknowledged = Feedback.objects.get()
    admin_page.post(changelist, {"action": "resolve", "_selected_action": [feedback.pk]})
    again = admin_page.post(
        changelist, {"action": "resolve", "_selected_action": [feedback.pk]}, follow=True
    )

    assert 'name="text"' not in page and 'name="status"' not in page
    assert (untouched.text, untouched.status) == ("?", FeedbackStatus.OPEN)
    assert acknowledged.status == FeedbackStatus.ACKNOWLEDGED
    assert acknowledged.acknowledged_by == admin_page.user
    assert Feedback.objects.get().status == FeedbackStatus.RESOLVED
    assert f"#{feedback.pk}: This feedback is resolved already." in again.content.decode()


def test_feedback_is_never_deleted_in_the_admin(admin_page):
    published_rules(admin_page.user)
    feedback, _ = feedback_record(
        user=admin_page.user,
        data={"client": ClientFactory(), "channel": "email", "kind": "question", "text": "?"},
    )

    response = admin_page.post(
        reverse("admin:crm_feedback_delete", args=[feedback.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Feedback.objects.count() == 1


def test_a_delay_added_in_the_admin_is_told_and_counted(admin_page):
    client = ClientFactory()
    logistics = DepartmentFactory(name="Logistics")
    body = {"client": client.pk, "department": logistics.pk, "reference": "ORD-1", "what": "Racks"}

    admin_page.post(reverse("admin:crm_delay_add"), {**body, "new_date": "2030-01-10"})
    admin_page.post(reverse("admin:crm_delay_add"), {**body, "new_date": "2030-01-17"})

    assert list(
        Delay.objects.order_by("postponement").values_list("postponement", "recorded_by")
    ) == [
        (1, admin_page.user.pk),
        (2, admin_page.user.pk),
    ]
    assert Escalation.objects.filter(delay__isnull=False).count() == 2


def test_escalations_are_a_record_nobody_edits(admin_page):
    published_rules(admin_page.user)
    feedback_record(
        user=admin_page.user,
        data={"client": ClientFactory(), "channel": "email", "kind": "complaint", "text": "!"},
    )
    escalation = Escalation.objects.get()

    listing = admin_page.get(reverse("admin:crm_escalation_changelist"))
    change = admin_page.post(
        reverse("admin:crm_escalation_change", args=[escalation.pk]), {"reason": "delay"}
    )

    assert listing.status_code == 200
    assert change.status_code == 403
    assert Escalation.objects.get().reason == "complaint"
    assert admin_page.get(reverse("admin:crm_escalation_add")).status_code == 403
