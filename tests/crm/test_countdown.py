"""The time an item has left, in service hours, and how the pages word it."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from crm.clients.timeline import client_timeline, delays_with_history, latest_per_reference
from crm.feedback.countdown import countdown
from crm.rules.hours import ServiceCalendar
from crm.templatetags.service_time import service_time

UTC = datetime.UTC
NINE_TO_SIX = [(datetime.time(9), datetime.time(18))]
# Weekdays 9 to 6 in Warsaw (UTC+1 in winter).
WARSAW = ServiceCalendar(
    time_zone=ZoneInfo("Europe/Warsaw"), hours={day: NINE_TO_SIX for day in range(5)}
)


def at(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def test_an_open_item_counts_down_to_its_first_response_in_service_minutes():
    # Friday 2027-03-05 16:45 local; due Monday 10:00 local: 75 minutes on Friday, 60 on Monday.
    left = countdown(
        status="open",
        response_due=at(2027, 3, 8, 9),
        resolution_due=at(2027, 3, 9, 13),
        calendar=WARSAW,
        now=at(2027, 3, 5, 15, 45),
    )

    assert (left.stage, left.minutes, left.is_overdue) == ("response", 135, False)


def test_an_acknowledged_item_counts_down_to_its_resolution():
    left = countdown(
        status="acknowledged",
        response_due=at(2027, 3, 8, 9),
        resolution_due=at(2027, 3, 9, 13),
        calendar=WARSAW,
        now=at(2027, 3, 9, 12, 20),
    )

    assert (left.stage, left.minutes, left.is_overdue) == ("resolution", 40, False)


def test_past_its_deadline_an_item_is_overdue_by_the_open_minutes_since():
    late = countdown(
        status="open",
        response_due=at(2027, 3, 5, 16, 20),  # Friday 17:20 local
        resolution_due=at(2027, 3, 9, 13),
        calendar=WARSAW,
        now=at(2027, 3, 8, 8, 0),  # Monday 9:00 local: 40 open minutes on Friday, none since
    )

    assert (late.minutes, late.is_overdue) == (40, True)


def test_at_its_deadline_an_item_is_not_overdue_yet():
    due = at(2027, 3, 8, 9)
    now = countdown(status="open", response_due=due, resolution_due=due, calendar=WARSAW, now=due)

    assert (now.minutes, now.is_overdue) == (0, False)


@pytest.mark.parametrize(
    ("status", "due", "calendar"),
    [
        ("resolved", at(2027, 3, 8, 9), WARSAW),
        ("open", None, WARSAW),
        ("open", at(2027, 3, 8), None),
    ],
)
def test_no_countdown_when_resolved_or_without_deadline_or_rules(status, due, calendar):
    assert (
        countdown(
            status=status,
            response_due=due,
            resolution_due=due,
            calendar=calendar,
            now=at(2027, 3, 1),
        )
        is None
    )


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(135, "2 h 15 min"), (120, "2 h"), (45, "45 min"), (0.5, "less than 1 min"), (None, "—")],
)
def test_service_time_is_told_in_hours_and_minutes(minutes, text):
    with translation.override("en"):
        assert service_time(minutes) == text


def test_the_timeline_interleaves_feedback_delays_and_negotiations_newest_first():
    feedback = SimpleNamespace(pk=1, received_at=at(2027, 3, 2))
    delay = SimpleNamespace(pk=1, recorded_at=at(2027, 3, 3))
    negotiation = SimpleNamespace(pk=1, opened_at=at(2027, 3, 1))

    events = client_timeline(feedback=[feedback], delays=[delay], negotiations=[negotiation])

    assert [event.kind for event in events] == ["delay", "feedback", "negotiation"]


def delay(pk, client, reference, postponement, new_date):
    return SimpleNamespace(
        pk=pk,
        client_id=client,
        reference=reference,
        postponement=postponement,
        new_date=datetime.date(2027, 3, new_date),
    )


def test_each_postponement_shows_the_date_it_moved_and_how_many_there_are():
    third, second, first = (
        delay(3, 1, "ORD-1", 3, 20),
        delay(2, 1, "ORD-1", 2, 12),
        delay(1, 1, "ORD-1", 1, 8),
    )
    other = delay(4, 1, "ORD-2", 1, 9)

    delays_with_history([third, other, second, first])

    assert [(d.previous_date, d.postponements) for d in (first, second, third)] == [
        (None, 3),
        (datetime.date(2027, 3, 8), 3),
        (datetime.date(2027, 3, 12), 3),
    ]
    assert (other.previous_date, other.postponements) == (None, 1)


def test_the_latest_postponement_of_each_reference_stands_for_it():
    newest_first = [
        delay(3, 1, "ORD-1", 3, 20),
        delay(4, 2, "ORD-1", 1, 9),
        delay(2, 1, "ORD-1", 2, 12),
    ]

    assert [d.pk for d in latest_per_reference(newest_first)] == [3, 4]
