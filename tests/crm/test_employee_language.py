"""The language an employee picks for the pages is the one their e-mails are written in."""

import pytest
from django.urls import reverse

from crm.employees.selectors import employee_language
from crm.models import EmployeeProfile
from portrait import roles


@pytest.fixture
def page_for(make_user, client):
    def signed_in(role: str):
        client.force_login(make_user(role))
        return client

    return signed_in


def test_choosing_a_language_keeps_it_for_the_employees_mails(db, page_for):
    sales = page_for(roles.SALES)

    response = sales.post(reverse("set_language"), {"language": "uk", "next": "/"})

    assert response.status_code == 302
    user = EmployeeProfile.objects.get().user
    assert employee_language(user) == "uk"


def test_choosing_again_changes_the_kept_language(db, page_for):
    sales = page_for(roles.SALES)
    sales.post(reverse("set_language"), {"language": "uk", "next": "/"})

    sales.post(reverse("set_language"), {"language": "he", "next": "/"})

    assert list(EmployeeProfile.objects.values_list("language", flat=True)) == ["he"]


@pytest.mark.parametrize("language", ["xx", ""])
def test_a_language_not_offered_changes_nothing_kept(db, page_for, language):
    sales = page_for(roles.SALES)

    sales.post(reverse("set_language"), {"language": language, "next": "/"})

    assert not EmployeeProfile.objects.exists()


def test_a_visitor_who_is_not_signed_in_switches_the_pages_only(db, client):
    response = client.post(reverse("set_language"), {"language": "pl", "next": "/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "pl"
    assert not EmployeeProfile.objects.exists()
