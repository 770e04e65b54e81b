"""The pages' paginator: its count stops at a limit, yet the page asked for is whole."""

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


def test_a_count_past_the_limit_stops_one_row_after_it():
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12)
    assert paginator.count == 13
    assert not paginator.count_is_exact
    first = paginator.get_page(1)
    assert list(first.object_list) == [0, 1, 2, 3, 4]
    assert first.has_next()


@pytest.mark.parametrize("number", [4, "4", " 4 "])
def test_the_limit_reaches_past_the_page_asked_for(number):
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12, page_number=number)
    page = paginator.get_page(number)
    # Counted only to 12, the fourth page would have been cut to rows 15 to 12: empty.
    assert list(page.object_list) == [15, 16, 17, 18, 19]
    assert page.has_next()
    assert paginator.count_limit == 25
    assert not paginator.count_is_exact


def test_the_last_page_is_counted_exactly():
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12, page_number=6)
    page = paginator.get_page(6)
    assert paginator.count_is_exact
    assert paginator.count == 30
    assert list(page.object_list) == [25, 26, 27, 28, 29]
    assert not page.has_next()


@pytest.mark.parametrize("number", [None, "", "0", "-3", "abc", "1.5", "٣", "9" * 5000])
def test_any_other_page_number_counts_to_the_limit_and_opens_a_page(number):
    paginator = BoundedCountPaginator(ROWS, 5, count_limit=12, page_number=number)
    page = paginator.get_page(number)
    assert page.object_list
    assert paginator.count_limit <= 5 * 10**9 + 5


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
    assert list(paginator.get_page(1).object_list) == [leads.first()]
