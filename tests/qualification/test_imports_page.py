"""The import page: for those who import, linked from the navigation, listing their imports."""

import pytest
from django.test import Client
from django.urls import reverse

from portrait import roles
from qualification.models import LeadImport, LeadImportState

IMPORTS = reverse("qualification:imports")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES_MANAGERS])
def test_importers_get_the_page_and_its_link(make_user, role):
    response = client_of(make_user(role)).get(IMPORTS)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{IMPORTS}">Import</a>' in html
    assert 'id="import-form"' in html
    assert 'action="/api/v1/lead-imports/"' in html
    assert '<option value="windows-1251">Windows-1251 (Cyrillic)</option>' in html
    assert "js/imports.js" in html


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL, roles.INTEGRATIONS])
def test_others_are_refused_the_page_and_see_no_link(make_user, role):
    user = make_user(role)
    client = client_of(user)

    assert client.get(IMPORTS).status_code == 403
    assert IMPORTS not in client.get(reverse("qualification:home"), follow=True).content.decode()


def test_the_page_lists_the_users_own_imports_with_their_rejected_rows(make_user):
    manager, other = make_user(roles.SALES_MANAGERS), make_user(roles.SALES_MANAGERS)
    mine = LeadImport.objects.create(
        requested_by=manager,
        source="fair",
        file_name="mine.csv",
        kind="csv",
        encoding="utf-8",
        state=LeadImportState.DONE,
        total_rows=3,
        rows=3,
        created=2,
        rejected=1,
    )
    LeadImport.objects.create(
        requested_by=other, source="x", file_name="theirs.csv", kind="csv", encoding="utf-8"
    )

    html = client_of(manager).get(IMPORTS).content.decode()

    assert "mine.csv" in html
    assert "theirs.csv" not in html
    assert f'href="/api/v1/lead-imports/{mine.pk}/errors/">1</a>' in html
