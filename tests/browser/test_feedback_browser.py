"""Listening in a real headless Chromium: record feedback, see its time left in the queue,
acknowledge it, read the service rules and acknowledge them — in Hebrew too."""

import re

import pytest

from crm.choices import FeedbackStatus
from crm.models import Feedback, ServiceRulesAcknowledgement
from portrait import roles
from tests.crm.factories import ClientFactory, published_rules, target
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/queue/")


def switch_language(page, code: str) -> None:
    page.select_option("#language-select", code)
    page.click("form.language-form button[type=submit]")
    page.wait_for_function(f"document.documentElement.lang === '{code}'")


def test_a_salesperson_records_feedback_answers_it_and_acknowledges_the_rules(
    live_server, page, screenshot
):
    admin = UserFactory(username="admin", roles=[roles.ADMINS])
    rules = published_rules(
        admin,
        standards="Be liked.\n\nListen: bad news must fly.",
        targets=[target("email", 240, 960)],
    )
    seller = UserFactory(username="oksana", roles=[roles.SALES])
    client = ClientFactory(name="נגב אנליטיקס", owner=seller)
    log_in(page, live_server, "oksana")

    # Record what the client wrote, from the navigation's feedback page.
    page.click("nav.site-nav >> text=Feedback")
    page.click("text=Record feedback")
    page.select_option("select[name=client]", str(client.pk))
    page.select_option("select[name=kind]", "question")
    page.select_option("select[name=channel]", "email")
    page.select_option("select[name=rating]", "4")
    page.fill("textarea[name=text]", "מתי תגיע הגרסה הבאה?")
    page.click("form.feedback-form button[type=submit]")
    page.wait_for_selector(".message-success")

    feedback = Feedback.objects.get()
    assert page.url == f"{live_server.url}/feedback/"
    item = page.locator(f"#feedback-{feedback.pk}")
    assert item.locator("bdi", has_text="מתי תגיע הגרסה הבאה?").count() == 1
    countdown = item.locator(".countdown").text_content().strip()
    assert re.fullmatch(r"3 h 5\d min of service time left for the first response", countdown)
    screenshot("feedback-queue-en")

    # The first response, from the queue.
    item.locator("button", has_text="Acknowledge").click()
    page.wait_for_selector(".message-success")
    feedback.refresh_from_db()
    assert (feedback.status, feedback.acknowledged_by) == (FeedbackStatus.ACKNOWLEDGED, seller)
    countdown = page.locator(f"#feedback-{feedback.pk} .countdown").text_content().strip()
    assert re.fullmatch(r"15 h 5\d min of service time left to resolve it", countdown)
    assert page.locator(f"#feedback-{feedback.pk} button", has_text="Acknowledge").count() == 0

    # The service rules, read and acknowledged in Hebrew.
    switch_language(page, "he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.goto(f"{live_server.url}/feedback/")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.feedback-item')).direction")
        == "rtl"
    )
    screenshot("feedback-queue-he")
    page.goto(f"{live_server.url}/service-rules/")
    assert "Listen: bad news must fly." in page.text_content(".standards")
    assert page.locator("table.targets tbody tr").count() == 1
    page.click("form[action='/service-rules/acknowledge/'] button")
    page.wait_for_selector("#acknowledged")
    screenshot("service-rules-he")

    acknowledgement = ServiceRulesAcknowledgement.objects.get(document=rules, user=seller)
    assert acknowledgement.acknowledged_at is not None


@pytest.mark.parametrize("language", ["en", "he"])
def test_a_long_link_in_feedback_wraps_instead_of_widening_the_page(live_server, page, language):
    from crm.feedback.services import feedback_record

    seller = UserFactory(username="oksana", roles=[roles.SALES])
    client = ClientFactory(name="Acme", owner=seller)
    link = "https://tracking.example.com/" + "a1b2c3d4" * 30
    feedback_record(
        user=seller,
        data={"client": client, "channel": "email", "kind": "question", "text": f"See {link}"},
    )
    log_in(page, live_server, "oksana")
    if language != "en":
        switch_language(page, language)

    for path in (f"/clients/{client.pk}/", "/feedback/"):
        page.goto(f"{live_server.url}{path}")
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], (path, widths)
