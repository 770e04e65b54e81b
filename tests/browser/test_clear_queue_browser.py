"""Clearing the queue in a real headless Chromium: ten leads by keyboard alone, an override
with its reason asked inline, and no page reloaded on the way."""

import pytest

from portrait import roles
from qualification.choices import DecisionVerdict, LeadStage
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Decision, Lead
from tests.browser.test_feedback_browser import log_in
from tests.factories import UserFactory
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait, reason

pytestmark = pytest.mark.browser

BIG = {"all": [{"field": "employees", "op": "gte", "value": 50}]}


@pytest.fixture
def queue_of_twelve(db):
    published_portrait(segments=[("Big companies", BIG, 1)])
    reason("no_budget")
    UserFactory(username="olena", roles=[roles.SALES])
    # Ten big leads (suggested interesting; alike, so the newest first), and two small.
    for index in range(10):
        LeadFactory(company_name=f"Big {index:02}", employees=1000 - index)
    LeadFactory(company_name="Small A", employees=5)
    LeadFactory(company_name="Small B", employees=6)
    leads_evaluate(queryset=Lead.objects.all())


def _mark_page(page) -> None:
    # A reload would lose this flag: it proves every decision was made in place.
    page.evaluate("window.notReloaded = true")


def test_ten_leads_then_the_page_cleared_with_the_keyboard_alone(
    live_server, page, screenshot, queue_of_twelve
):
    log_in(page, live_server, "olena")
    _mark_page(page)
    assert page.locator("tr.queue-row").count() == 12
    assert page.get_attribute("tr.queue-row >> nth=0", "aria-current") == "true"

    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible()
    screenshot("queue-keys")
    page.keyboard.press("Escape")
    assert not page.locator("#keys-help").is_visible()

    # j then k comes back to the first row; then "i" ten times decides the ten big leads.
    page.keyboard.press("j")
    assert page.get_attribute("tr.queue-row >> nth=1", "aria-current") == "true"
    page.keyboard.press("k")
    for remaining in range(11, 1, -1):
        page.keyboard.press("i")
        page.wait_for_function(f"document.querySelectorAll('tr.queue-row').length === {remaining}")
    assert page.evaluate("window.notReloaded") is True
    assert "Decision recorded: Big 00 is Interesting." in page.text_content("#queue-status")
    screenshot("queue-cleared-ten")

    decided = Lead.objects.filter(company_name__startswith="Big")
    assert set(decided.values_list("stage", flat=True)) == {LeadStage.QUALIFIED}
    assert Decision.objects.filter(verdict=DecisionVerdict.INTERESTING).count() == 10
    # The last two, suggested not interesting: "n" agrees, no reason asked. The page is
    # cleared, and its link shows what is left to decide (nothing).
    page.keyboard.press("n")
    page.wait_for_function("document.querySelectorAll('tr.queue-row').length === 1")
    page.keyboard.press("n")
    page.locator(".queue-cleared a").wait_for()
    assert page.evaluate("window.notReloaded") is True
    page.keyboard.press("Enter")
    page.wait_for_selector("p.empty")
    assert page.text_content("p.empty") == "No leads match."
    # Decided leads leave the default view; every one of them is under "any stage".
    page.goto(f"{live_server.url}/queue/?stage=all")
    assert page.locator("tr.queue-row").count() == 12


def test_an_override_asks_its_reason_inline_and_is_recorded(
    live_server, page, screenshot, queue_of_twelve
):
    log_in(page, live_server, "olena")
    _mark_page(page)
    first = page.locator("tr.queue-row").first
    name = first.locator("a").text_content()

    page.keyboard.press("n")
    code = first.locator("select[name=reason_code]")
    code.wait_for()
    assert page.evaluate("document.activeElement.name") == "reason_code"
    assert Decision.objects.count() == 0
    code.select_option(value=str(reason("no_budget").pk))
    page.keyboard.press("Tab")
    page.keyboard.type("They spent this year's budget")
    screenshot("queue-override-reason")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('tr.queue-row').length === 11")

    assert page.evaluate("window.notReloaded") is True
    decision = Decision.objects.get()
    assert (decision.lead.company_name, decision.verdict, decision.is_override) == (
        name,
        DecisionVerdict.NOT_INTERESTING,
        True,
    )
    assert (decision.reason_code.code, decision.reason) == (
        "no_budget",
        "They spent this year's budget",
    )
    # Agreeing with the suggestion asks nothing: the next row is decided at once.
    page.keyboard.press("i")
    page.wait_for_function("document.querySelectorAll('tr.queue-row').length === 10")
    assert Decision.objects.count() == 2


def test_the_lead_page_decides_by_key_and_opens_the_next_lead(live_server, page, queue_of_twelve):
    log_in(page, live_server, "olena")
    first = Lead.objects.get(company_name="Big 09")
    second = Lead.objects.get(company_name="Big 08")
    page.goto(f"{live_server.url}/queue/{first.pk}/")
    page.keyboard.press("i")
    page.wait_for_url(f"{live_server.url}/queue/{second.pk}/")
    assert "Decision recorded: Big 09 is Interesting." in page.text_content(".messages")
    page.keyboard.press("n")
    page.locator("form.decision-form select[name=reason_code]").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("form.decision-form select[name=reason_code]").count() == 0
    assert Decision.objects.count() == 1


def test_a_lead_taken_meanwhile_says_the_decision_was_not_recorded(
    live_server, page, queue_of_twelve
):
    log_in(page, live_server, "olena")
    first = Lead.objects.get(company_name=page.locator("tr.queue-row a").first.text_content())
    Lead.objects.filter(pk=first.pk).update(owner=UserFactory(roles=[roles.SALES]))
    page.keyboard.press("i")
    alert = page.locator("#queue-status .error[role=alert]")
    alert.wait_for()
    assert alert.text_content() == (
        "The decision could not be recorded. Reload the page and try again."
    )
    assert page.locator("tr.queue-row").count() == 12
    assert Decision.objects.count() == 0
