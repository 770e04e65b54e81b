"""The import page in a real headless Chromium: upload an Excel export, watch it to the end."""

import pytest

from portrait import roles
from qualification.models import Lead, LeadImport
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

EXCEL = "external_id;company_name;employees\r\nb1;Альфа;1 200\r\nb2;Бета;-5\r\n".encode("cp1251")


def test_a_manager_uploads_an_excel_export_and_watches_it_finish(live_server, page, screenshot):
    UserFactory(username="marta", roles=[roles.SALES_MANAGERS])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "marta")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit].primary")
    page.click("nav >> text=Import")
    page.wait_for_url(f"{live_server.url}/imports/")

    page.set_input_files(
        "#import-file", {"name": "export.csv", "mimeType": "text/csv", "buffer": EXCEL}
    )
    page.fill("#import-source", "fair-2026")
    page.click("#import-form button[type=submit]")
    page.wait_for_function("document.getElementById('import-percent').textContent === '100%'")

    assert page.text_content("#import-state").strip() == "Done"
    assert page.text_content("#import-counts") == (
        "2 of 2 rows read: 1 created, 0 updated, 0 unchanged, 1 rejected."
    )
    job = LeadImport.objects.get()
    assert (
        page.get_attribute("#import-rejected", "href") == f"/api/v1/lead-imports/{job.pk}/errors/"
    )
    assert page.is_visible("#import-rejected")
    assert page.is_hidden("#import-cancel")
    assert Lead.objects.get().company_name == "Альфа"
    screenshot("import-done")


def test_a_file_with_an_unknown_column_says_so_on_the_page(live_server, page):
    UserFactory(username="adam", roles=[roles.ADMINS])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "adam")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit].primary")
    page.goto(f"{live_server.url}/imports/")

    page.set_input_files(
        "#import-file",
        {"name": "x.csv", "mimeType": "text/csv", "buffer": b"external_id,colour\n1,red\n"},
    )
    page.fill("#import-source", "files")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-errors li")

    assert 'Unknown column(s) in the header: "colour".' in page.text_content("#import-errors")
    assert LeadImport.objects.count() == 0
