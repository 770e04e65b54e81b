"""Stage 2 in a real headless Chromium: sign from the lead page, read the client page."""

import pytest

from crm.models import Contract
from portrait import roles
from qualification.choices import LeadStage
from tests.factories import UserFactory
from tests.qualification.factories import LeadFactory

pytestmark = pytest.mark.browser


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "password")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/queue/")


def test_a_salesperson_signs_from_the_lead_page_and_reads_the_client_in_hebrew(
    live_server, page, screenshot
):
    seller = UserFactory(username="taras", roles=[roles.SALES])
    lead = LeadFactory(
        company_name="Acme Robotics",
        stage=LeadStage.QUALIFIED,
        owner=seller,
        email="ceo@acme.example",
    )
    log_in(page, live_server, "taras")

    page.goto(f"{live_server.url}/queue/{lead.pk}/")
    page.click("text=Sign contract")
    page.wait_for_url(f"{live_server.url}/queue/{lead.pk}/sign/")
    page.fill("input[name=number]", "K-17")
    page.fill("input[name=signed_on]", "2026-02-02")
    page.fill("input[name=value]", "120000")
    page.fill("input[name=term_months]", "12")
    page.fill("textarea[name=clauses]", "4.2 | Delivery within 10 days")
    page.click("form.contract-form button[type=submit]")
    page.wait_for_selector(".message-success")

    contract = Contract.objects.get()
    assert page.url == f"{live_server.url}/clients/{contract.client_id}/"
    assert "Contract K-17" in page.text_content("#contract-" + str(contract.pk))
    assert "ceo@acme.example" in page.text_content("body")
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTRACTED

    page.select_option("#language-select", "he")
    page.click("form.language-form button[type=submit]")
    page.wait_for_function("document.documentElement.lang === 'he'")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.facts')).direction") == "rtl"
    screenshot("client-page-he")

    page.goto(f"{live_server.url}/clients/")
    assert page.locator("table.clients tbody tr").count() == 1
