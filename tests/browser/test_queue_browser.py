"""The pages in a real headless Chromium: log in, decide on a lead, Hebrew, the dashboard."""

import pytest

from portrait import roles
from qualification.choices import LeadStage
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Decision, Lead
from tests.factories import UserFactory
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait

pytestmark = pytest.mark.browser


def test_salesperson_logs_in_decides_on_a_lead_switches_to_hebrew_and_sees_the_dashboard(
    live_server, page
):
    published_portrait(
        segments=[("Big companies", {"all": [{"field": "employees", "op": "gte", "value": 50}]}, 1)]
    )
    UserFactory(username="olena", roles=[roles.SALES])
    lead = LeadFactory(company_name="Acme Robotics", employees=120)
    leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))

    page.goto(f"{live_server.url}/queue/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "olena")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/queue/")

    page.click("text=Acme Robotics")
    page.wait_for_url(f"{live_server.url}/queue/{lead.pk}/")
    assert page.text_content("#lead-stage").strip() == "New"
    page.click("form.decision-form button.decide-interesting")
    # Decided without a reload of its page: the next lead opens, here none is left (the queue).
    page.wait_for_url(f"{live_server.url}/queue/")
    page.wait_for_selector(".message-success")

    assert "Decision recorded: Acme Robotics is Interesting." in page.text_content(".messages")
    page.goto(f"{live_server.url}/queue/{lead.pk}/")
    assert page.text_content("#lead-stage").strip() == "Qualified"
    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED
    assert Decision.objects.get().decided_by.username == "olena"

    page.select_option("#language-select", "he")
    page.click("form.language-form button[type=submit]")
    page.wait_for_function("document.documentElement.lang === 'he'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"

    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("svg.bar-chart").count() >= 1
    assert page.locator("svg.override-chart title").first.text_content()
