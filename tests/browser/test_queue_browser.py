"""The pages in a real headless Chromium: log in, decide on a lead, Hebrew, the dashboard."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the playwright package (pip install playwright)"
)

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from portrait import roles  # noqa: E402
from qualification.choices import LeadStage  # noqa: E402
from qualification.evaluation.writes import leads_evaluate  # noqa: E402
from qualification.models import Decision, Lead  # noqa: E402
from tests.factories import UserFactory  # noqa: E402
from tests.qualification.factories import LeadFactory  # noqa: E402
from tests.qualification.funnel_factories import published_portrait  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


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
    page.check("input[name=verdict][value=interesting]")
    page.click("form.decision-form button[type=submit]")
    page.wait_for_selector(".message-success")

    assert "Decision recorded: Acme Robotics is Interesting." in page.text_content(".messages")
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
