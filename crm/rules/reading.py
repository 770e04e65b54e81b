"""The service rules as a reader sees them: the week's hours, the closed days ahead, and
whether the service is open now. No ORM: it reads a version already loaded.
"""

import datetime
from dataclasses import dataclass

import holidays
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext_lazy as _

from crm.models.rules import WEEKDAYS
from crm.rules.hours import ServiceCalendar

#: Our languages as the ``holidays`` package names them (holiday names where it has them).
_HOLIDAY_LANGUAGES = {"en": "en_US", "uk": "uk", "pl": "pl", "he": "he"}


#: The countries of our markets by name; any other shows as its ISO code.
COUNTRY_NAMES = {
    "UA": _("Ukraine"),
    "PL": _("Poland"),
    "IL": _("Israel"),
    "DE": _("Germany"),
    "LT": _("Lithuania"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
}


def country_name(code: str) -> str:
    return str(COUNTRY_NAMES.get(code, code))


@dataclass(frozen=True)
class Day:
    name: str
    intervals: list[tuple[str, str]]


def week(hours: dict) -> list[Day]:
    """Monday to Sunday, each with its opening intervals (none: closed)."""
    return [
        Day(name=str(WEEKDAY_NAMES[index]), intervals=[tuple(pair) for pair in hours.get(day, [])])
        for index, day in enumerate(WEEKDAYS)
    ]


@dataclass(frozen=True)
class ClosedDay:
    day: datetime.date
    name: str
    is_public_holiday: bool


def closed_days_ahead(
    *,
    country: str,
    closed_days: list[str],
    today: datetime.date,
    days: int = 90,
    language: str | None = None,
) -> list[ClosedDay]:
    """The public holidays and the company's own closed days within ``days`` from ``today``."""
    until = today + datetime.timedelta(days=days)
    found: dict[datetime.date, ClosedDay] = {}
    if country:
        supported = holidays.country_holidays(country).supported_languages
        wanted = _HOLIDAY_LANGUAGES.get(language or "")
        public = holidays.country_holidays(
            country,
            years=range(today.year, until.year + 1),
            language=wanted if wanted in supported else None,
        )
        for day, name in sorted(public.items()):
            if today <= day <= until:
                found[day] = ClosedDay(day=day, name=name, is_public_holiday=True)
    for text in closed_days:
        day = datetime.date.fromisoformat(text)
        if today <= day <= until and day not in found:
            found[day] = ClosedDay(day=day, name="", is_public_holiday=False)
    return [found[day] for day in sorted(found)]


@dataclass(frozen=True)
class OpenNow:
    """Whether the service is open at an instant, and when that changes (None: never)."""

    is_open: bool
    changes_at: datetime.datetime | None


def open_now(calendar: ServiceCalendar, now: datetime.datetime) -> OpenNow:
    span = next(calendar.open_spans(now), None)
    if span is None:
        return OpenNow(is_open=False, changes_at=None)
    start, end = span
    if start <= now:
        return OpenNow(is_open=True, changes_at=end)
    return OpenNow(is_open=False, changes_at=start)
