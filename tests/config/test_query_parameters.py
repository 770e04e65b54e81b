"""Query parameters the schema states are checked as it states them: a 400 naming each."""

import pytest
from django.urls import reverse

from portrait import roles

LEADS = reverse("v1:lead-list")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        (LEADS, {"updated_since": "0625-03-09T09:56:01-20:56"}, "updated_since"),
        (LEADS, {"updated_since": "9999-12-31T23:59:59-12:00"}, "updated_since"),
        (LEADS, {"updated_since": ""}, "updated_since"),
        (LEADS, {"stage": ""}, "stage"),
        (LEADS, {"page_size": "0"}, "page_size"),
        (LEADS, {"page_size": "501"}, "page_size"),
        (LEADS, {"page_size": "null"}, "page_size"),
        (LEADS, {"cursor": "lost"}, "cursor"),
        (reverse("v1:feedback-list"), {"overdue": "maybe"}, "overdue"),
        (reverse("v1:contract-list"), {"signed_since": "10/25/2027"}, "signed_since"),
    ],
)
def test_a_parameter_out_of_its_schema_is_refused_by_name(client_for, path, query, field):
    response = client_for(roles.ADMINS).get(path, query)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("query", "size"), [({}, 50), ({"page_size": "500"}, 500), ({"page_size": "7"}, 7)]
)
def test_a_page_size_within_its_bounds_is_taken(client_for, query, size):
    from tests.qualification.factories import LeadFactory

    LeadFactory.create_batch(8)

    response = client_for(roles.ADMINS).get(LEADS, query)

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(size, 8)


@pytest.mark.parametrize(("value", "count"), [("true", 0), ("false", 0), ("1", 0), ("0", 0)])
def test_a_boolean_parameter_takes_true_and_false(client_for, value, count):
    response = client_for(roles.ADMINS).get(reverse("v1:feedback-list"), {"overdue": value})

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
