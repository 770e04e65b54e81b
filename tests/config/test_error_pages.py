"""Pages refuse and miss in the site's own layout; the API docs need no internet."""

import html

from django.urls import reverse

from portrait import roles


def test_a_page_not_for_the_role_is_the_sites_own_403(client, make_user):
    client.force_login(make_user(roles.TECHNICAL))

    response = client.get(reverse("qualification:dashboard"))

    assert response.status_code == 403
    content = html.unescape(response.content.decode())
    assert "This page is not for your role" in content
    assert "You may not see the funnel's figures." in content
    assert 'class="site-header"' in content


def test_a_missing_page_is_the_sites_own_404(client, make_user):
    client.force_login(make_user(roles.SALES))

    response = client.get(reverse("qualification:lead", args=[999999]))

    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


def test_swagger_ui_and_redoc_load_from_our_own_static_files(client):
    for name in ("docs", "redoc"):
        content = client.get(reverse(name)).content.decode()
        assert "cdn.jsdelivr.net" not in content
        assert "/static/drf_spectacular_sidecar/" in content


def test_the_admin_is_titled_for_the_product(admin_client):
    assert (
        "Portrait CRM administration" in admin_client.get(reverse("admin:index")).content.decode()
    )
