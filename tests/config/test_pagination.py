"""The pages' paginator: its count stops soon after a limit, yet the page asked for is whole."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.pagination import BoundedCountPaginator
from qualification.models import Lead
from tests.qualification.factories import LeadFactory

ROWS = list(range(30))


def test_a_count_under_the_limit_is_exact():
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=100)
    assert paginator.count == 30
    assert paginator.count_is_exact
    assert paginator.num_pages == 6


def test_a_count_past_the_limit_stops_a_row_after_the_next_page():
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=8)
    assert paginator.count == 11
    assert not paginator.count_is_exact
    first = paginator.requested_page()
    assert list(first.object_list) == [0, 1, 2, 3, 4]
    assert first.has_next()


@pytest.mark.parametrize(
    ("asked", "number"),
    [
        *[(asked, 4) for asked in (4, "4", " 4 ", "+4", "٤", "00000000004")],
        # Anything else opens the first page.
        *[(asked, 1) for asked in (None, "", "0", "-3", "abc", "1.5", "9" * 5000)],
    ],
)
def test_the_page_asked_for_opens_whole_and_its_next_is_true(asked, number):
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12, page_number=asked)
    page = paginator.requested_page()
    # Counted only to 12, the fourth page would have been cut to rows 15 to 12: empty.
    assert page.number == number
    assert list(page.object_list) == ROWS[(number - 1) * 5 : number * 5]
    assert page.has_next()
    assert not paginator.count_is_exact
    assert paginator.count_limit == 12


@pytest.mark.parametrize("asked", [6, 99, "9" * 11])
def test_the_last_page_and_any_past_it_are_counted_exactly(asked):
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12, page_number=asked)
    page = paginator.requested_page()
    assert paginator.count_is_exact
    assert paginator.count == 30
    assert page.number == 6
    assert list(page.object_list) == [25, 26, 27, 28, 29]
    assert not page.has_next()


@pytest.mark.django_db
def test_a_queryset_is_counted_with_a_limit_and_without_its_order():
    for _ in range(4):
        LeadFactory()
    leads = Lead.objects.order_by("-created_at", "-id")
    paginator = BoundedCountPaginator(leads, 1, count_limit=2)
    with CaptureQueriesContext(connection) as captured:
        assert paginator.count == 3
    (count,) = [query["sql"] for query in captured.captured_queries]
    assert "LIMIT 3" in count
    assert "ORDER BY" not in count
    assert not paginator.count_is_exact
    assert list(paginator.requested_page().object_list) == [leads.first()]
