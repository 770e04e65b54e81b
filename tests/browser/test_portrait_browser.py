"""The portrait in a real headless Chromium: the banner to acknowledge it, what its version
changed, and a lead's explanation in Hebrew, right to left."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from portrait import roles
from portrait.models import PortraitAcknowledgement, Segment
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Lead
from tests.browser.test_feedback_browser import log_in, switch_language
from tests.factories import UserFactory
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait

pytestmark = pytest.mark.browser

BIG = {"all": [{"field": "employees", "op": "gte", "value": 50}]}
BIGGER = {"all": [{"field": "employees", "op": "gte", "value": 250}]}
SOFTWARE = {"all": [{"field": "industry", "op": "startswith", "value": "62"}]}


@pytest.fixture
def two_versions(db):
    published_portrait(segments=[("Big companies", BIG, 1), ("Retail", BIG, 2)])
    second = published_portrait(
        segments=[("Big companies", BIGGER, 1), ("Software houses", SOFTWARE, 2)],
        exclusions=[("Sanctioned", {"all": [{"field": "country", "op": "eq", "value": "RU"}]})],
    )
    Segment.objects.filter(portrait=second).update(
        capacity=1500, average_deal_value=Decimal("2000")
    )
    UserFactory(username="olena", roles=[roles.SALES])
    return second


def test_an_employee_follows_the_banner_reads_the_changes_and_acknowledges(
    live_server, page, screenshot, two_versions
):
    log_in(page, live_server, "olena")
    banner = page.locator(".acknowledge-banner")
    assert f"Version {two_versions.version} of the portrait" in banner.text_content()

    banner.locator("a").click()
    page.wait_for_url(f"{live_server.url}/portrait/#acknowledge")
    page.click("#changes-link")
    page.wait_for_url(f"{live_server.url}/portrait/versions/{two_versions.version}/changes/")
    added = page.locator("article.change-added h3").all_text_contents()
    removed = page.locator("article.change-removed h3").all_text_contents()
    changed = page.locator("article.change-changed")
    assert sorted(name.split()[0] for name in added) == ["Sanctioned", "Software"]
    assert [name.split()[0] for name in removed] == ["Retail"]
    assert changed.count() == 1
    assert changed.locator("del").text_content() == "Employees is at least 50"
    assert changed.locator("ins").text_content() == "Employees is at least 250"
    assert "1,500" in changed.locator("table").text_content()
    screenshot("portrait-changes")

    page.goto(f"{live_server.url}/portrait/")
    page.click("text=I have read it")
    page.wait_for_selector("#acknowledged")
    assert PortraitAcknowledgement.objects.get(
        document=two_versions, user__username="olena"
    ).acknowledged_at
    page.goto(f"{live_server.url}/queue/")
    assert page.locator(".acknowledge-banner").count() == 0


def test_a_leads_explanation_reads_right_to_left_in_hebrew(
    live_server, page, screenshot, two_versions
):
    lead = LeadFactory(company_name="Acme", employees=1200, industry="62.01", country="UA")
    leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    log_in(page, live_server, "olena")
    page.goto(f"{live_server.url}/queue/{lead.pk}/")
    first = page.locator(".explanation article.rule").first
    assert "Big companies" in first.locator("h3").text_content()
    assert not page.locator("details.other-rules").get_attribute("open")
    screenshot("lead-explanation")

    switch_language(page, "he")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # Each value keeps its own direction inside the right-to-left sentence.
    values = page.locator(".explanation bdi").all_text_contents()
    assert "1200" in values  # Hebrew's number format groups no digits
    with translation.override("he"):
        industry = gettext("Computer programming activities")
    assert industry != "Computer programming activities"  # named in the reader's language
    assert f"62.01 ({industry})" in values
    page.click("details.other-rules > summary")
    assert page.locator("details.other-rules").get_attribute("open") == ""
    screenshot("lead-explanation-he")
    page.goto(f"{live_server.url}/portrait/versions/{two_versions.version}/changes/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    screenshot("portrait-changes-he")
