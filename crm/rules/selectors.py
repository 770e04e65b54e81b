"""Reads of the service rules: the version in force at an instant, its calendar and targets."""

import datetime
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Prefetch, Q, QuerySet

from crm.models import ServiceRules, ServiceTarget
from crm.models.rules import WEEKDAYS, parse_clock
from crm.rules.hours import ServiceCalendar
from portrait.choices import DocumentStatus


def service_rules_list_for_user(user, *, with_children: bool = True) -> QuerySet[ServiceRules]:
    """Every version for those who write the rules; published and archived ones for readers."""
    queryset = ServiceRules.objects.all()
    if with_children:
        queryset = queryset.prefetch_related(
            Prefetch(
                "targets", queryset=ServiceTarget.objects.order_by("channel", "severity", "id")
            )
        )
    if not user.is_authenticated or not user.has_perm("crm.view_servicerules"):
        return queryset.none()
    if user.has_perm("crm.change_servicerules"):
        return queryset
    return queryset.exclude(status=DocumentStatus.DRAFT)


def service_rules_in_force(at: datetime.datetime | None = None) -> ServiceRules | None:
    """The version in force at ``at`` (now by default): published by then and not yet archived.

    An item received before any version was published takes the earliest one.
    """
    published = ServiceRules.objects.exclude(status=DocumentStatus.DRAFT).exclude(
        published_at__isnull=True
    )
    if at is None:
        return published.filter(status=DocumentStatus.PUBLISHED).first()
    in_force = (
        published.filter(published_at__lte=at)
        .filter(Q(archived_at__isnull=True) | Q(archived_at__gt=at))
        .order_by("-published_at")
        .first()
    )
    return in_force or published.order_by("published_at").first()


def service_calendar(rules: ServiceRules) -> ServiceCalendar:
    """The calendar of ``rules``: its hours in its time zone, closed on its country's holidays
    and its own closed days.

    Built from the instance given, without a query, and kept per version and change: a
    page that times many items under one version builds its calendar once per process.
    """
    key = (rules.pk, rules.updated_at)
    calendar = _CALENDARS.get(key) if rules.pk else None
    if calendar is None:
        calendar = _calendar_build(rules)
        if rules.pk:
            if len(_CALENDARS) >= _CALENDARS_KEPT:
                _CALENDARS.pop(next(iter(_CALENDARS)))
            _CALENDARS[key] = calendar
    return calendar


_CALENDARS: dict[tuple, ServiceCalendar] = {}
_CALENDARS_KEPT = 16


def _calendar_build(rules: ServiceRules) -> ServiceCalendar:
    public = holidays.country_holidays(rules.holiday_country) if rules.holiday_country else {}
    closed = {datetime.date.fromisoformat(day) for day in rules.closed_days}
    hours = {
        WEEKDAYS.index(day): [
            (parse_clock(start), None if end == "24:00" else parse_clock(end))
            for start, end in intervals
        ]
        for day, intervals in rules.hours.items()
    }
    return ServiceCalendar(
        time_zone=ZoneInfo(rules.time_zone),
        hours=hours,
        is_closed=lambda day: day in closed or day in public,
    )


def service_target(
    rules: ServiceRules, *, channel: str, severity: str, client_kind: str
) -> ServiceTarget | None:
    """The target for a channel and severity: the client kind's own, else the one for every kind."""
    targets = [
        target
        for target in rules.targets.all()
        if target.channel == channel and target.severity == severity
    ]
    own = next((target for target in targets if target.client_kind == client_kind), None)
    return own or next((target for target in targets if not target.client_kind), None)


def rules_page() -> ServiceRules | None:
    """The version in force with its targets in the order a reader takes them."""
    return (
        ServiceRules.objects.filter(status=DocumentStatus.PUBLISHED)
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=ServiceTarget.objects.order_by("channel", "severity", "client_kind", "id"),
            )
        )
        .first()
    )
