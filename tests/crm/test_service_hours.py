"""Deadlines in service hours, against a minute-by-minute reference of DESIGN.md's definition."""

import datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.rules.hours import NeverOpen, ServiceCalendar

UTC = datetime.UTC
MINUTE = datetime.timedelta(minutes=1)
ZONES = [
    "Europe/Kyiv",
    "Europe/Warsaw",
    "Asia/Jerusalem",
    "America/New_York",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "America/Santiago",  # changes at midnight
    "UTC",
]
NINE_TO_SIX = {day: [(datetime.time(9), datetime.time(18))] for day in range(5)}


def reference_deadline(calendar: ServiceCalendar, received: datetime.datetime, minutes: int):
    """Walk the UTC minutes one by one, as the definition reads."""
    instant, counted = received, 0
    if minutes == 0:
        while not calendar.is_open(instant):
            instant += MINUTE
        return instant
    while True:
        if calendar.is_open(instant):
            counted += 1
            if counted == minutes:
                return instant + MINUTE
        instant += MINUTE


def utc(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def test_received_on_friday_evening_falls_due_on_monday_morning():
    calendar = ServiceCalendar(ZoneInfo("Europe/Warsaw"), NINE_TO_SIX)

    # Friday 2027-03-05 17:30 local (16:30 UTC): 30 minutes that day, 30 on Monday.
    assert calendar.deadline(utc(2027, 3, 5, 16, 30), 60) == utc(2027, 3, 8, 8, 30)


def test_a_deadline_on_the_end_of_an_interval_is_that_end():
    calendar = ServiceCalendar(ZoneInfo("Europe/Warsaw"), NINE_TO_SIX)

    # Monday 17:00 local + 60 minutes is 18:00 local, not Tuesday 09:00.
    assert calendar.deadline(utc(2027, 3, 8, 16), 60) == utc(2027, 3, 8, 17)


def test_public_holidays_of_the_country_and_closed_days_are_skipped():
    polish = holidays.country_holidays("PL")
    closed = {datetime.date(2027, 1, 7)}
    calendar = ServiceCalendar(
        ZoneInfo("Europe/Warsaw"), NINE_TO_SIX, lambda day: day in polish or day in closed
    )

    # Tuesday 2027-01-05 17:00 local; Wednesday the 6th is Epiphany, Thursday closed.
    assert calendar.deadline(utc(2027, 1, 5, 16), 120) == utc(2027, 1, 8, 9)


def test_wall_clock_hours_hold_across_both_daylight_saving_changes():
    around_the_clock = {day: [(datetime.time(0), None)] for day in range(7)}
    calendar = ServiceCalendar(ZoneInfo("Europe/Kyiv"), around_the_clock)

    spring = calendar.open_minutes(utc(2027, 3, 27, 22), utc(2027, 3, 28, 21))
    autumn = calendar.open_minutes(utc(2027, 10, 30, 21), utc(2027, 10, 31, 22))

    # The day the clocks go forward has 23 hours, the day they go back 25.
    assert (spring, autumn) == (23 * 60, 25 * 60)


def test_an_interval_the_clocks_skip_holds_fewer_minutes():
    night = {6: [(datetime.time(2), datetime.time(5))]}
    calendar = ServiceCalendar(ZoneInfo("Europe/Kyiv"), night)

    # Sunday 2027-03-28: local 03:00–04:00 does not exist, so 02:00–05:00 holds 2 hours.
    assert calendar.open_minutes(utc(2027, 3, 27, 12), utc(2027, 3, 28, 12)) == 120


def test_a_calendar_never_open_refuses_to_count():
    with pytest.raises(NeverOpen):
        ServiceCalendar(ZoneInfo("UTC"), {}).deadline(utc(2027, 1, 1), 1)


intervals = st.lists(
    st.tuples(st.integers(0, 47), st.integers(1, 48)).map(
        lambda pair: (min(pair), max(pair)) if pair[0] != pair[1] else (pair[0], pair[0] + 1)
    ),
    min_size=1,
    max_size=3,
)


def _hours(per_day) -> dict:
    def time_of(half_hours):
        return None if half_hours >= 48 else datetime.time(half_hours // 2, 30 * (half_hours % 2))

    hours = {}
    for day, spans in per_day.items():
        # Overlapping intervals are allowed: a minute is open if any interval holds it.
        hours[day] = [(time_of(start), time_of(end)) for start, end in spans]
    return hours


# Arrivals near the daylight-saving changes of the zones, where the arithmetic is hardest.
NEAR_CHANGES = st.sampled_from(
    [
        datetime.datetime(2027, 3, 26),  # Europe, Israel (spring)
        datetime.datetime(2027, 10, 29),  # Europe, Israel (autumn)
        datetime.datetime(2027, 3, 13),  # New York (spring)
        datetime.datetime(2027, 4, 3),  # Lord Howe, Santiago (autumn)
        datetime.datetime(2027, 9, 4),  # Santiago (spring)
        datetime.datetime(2027, 10, 2),  # Lord Howe (spring)
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    per_day=st.dictionaries(st.integers(0, 6), intervals, min_size=3),
    closed=st.sets(st.integers(0, 10), max_size=3),
    near=NEAR_CHANGES,
    hours_before=st.integers(0, 72),
    minutes=st.integers(0, 240),
)
def test_deadlines_agree_with_the_minute_by_minute_reference(
    zone, per_day, closed, near, hours_before, minutes
):
    hours = _hours(per_day)
    received = (near - datetime.timedelta(hours=hours_before)).replace(tzinfo=UTC)
    closed_days = {received.date() + datetime.timedelta(days=offset) for offset in closed}
    calendar = ServiceCalendar(ZoneInfo(zone), hours, lambda day: day in closed_days)

    assert calendar.deadline(received, minutes) == reference_deadline(calendar, received, minutes)


@settings(max_examples=30, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    near=NEAR_CHANGES,
    hours_before=st.integers(0, 48),
    length=st.integers(0, 3 * 1440),
)
def test_open_minutes_agree_with_counting_each_minute(zone, near, hours_before, length):
    calendar = ServiceCalendar(ZoneInfo(zone), NINE_TO_SIX)
    begin = (near - datetime.timedelta(hours=hours_before)).replace(tzinfo=UTC)
    end = begin + datetime.timedelta(minutes=length)

    counted = sum(calendar.is_open(begin + MINUTE * step) for step in range(length))

    assert calendar.open_minutes(begin, end) == counted
