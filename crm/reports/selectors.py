"""The service reports, read from the database: each in a constant number of queries.

Deadline compliance and waiting times per channel, department or owner and month; the
rating trend per client, owner or department and month; the clients nobody has been in
touch with. Months are calendar months in the current time zone; the arithmetic is
``crm.reports.arithmetic``'s.
"""

import datetime
from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.choices import Channel
from crm.clients.selectors import clients_for_user
from crm.models import Client, Contract, Delay, Feedback, NegotiationEntry
from crm.reports.arithmetic import (
    ServiceFigures,
    ServiceRecord,
    last_contact,
    month_starts,
    service_figures,
)

#: What deadline compliance may be broken down by: the item's channel, the department
#: that took it, the client's account owner (each a key and its label).
SERVICE_DIMENSIONS = {
    "channel": ("channel", "channel"),
    "department": ("department_id", "department__name"),
    "owner": ("client__owner_id", "client__owner__username"),
}
#: What the rating trend may be broken down by.
RATING_DIMENSIONS = {
    "client": ("client_id", "client__name"),
    "owner": ("client__owner_id", "client__owner__username"),
    "department": ("department_id", "department__name"),
}
DEFAULT_MONTHS = 6
MAX_MONTHS = 24


@dataclass(frozen=True)
class ReportRow:
    """One key's figures: one cell per month of the report (None: nothing that month) and
    its total over the months."""

    key: Hashable
    label: str
    cells: list
    total: object


@dataclass(frozen=True)
class Report:
    by: str
    months: list[datetime.date]
    rows: list[ReportRow]
    overall: ReportRow


@dataclass(frozen=True)
class RatingFigures:
    """The average rating of a group of items and how many ratings it averages."""

    average: Decimal
    ratings: int


def _window(months: int, now: datetime.datetime) -> tuple[list[datetime.date], datetime.datetime]:
    zone = timezone.get_current_timezone()
    starts = month_starts(timezone.localdate(now, zone), months)
    since = datetime.datetime.combine(starts[0], datetime.time(), tzinfo=zone)
    return starts, since


def _month(value) -> datetime.date:
    """A truncated month as a date (the database gives a local midnight)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _label(by: str, key, label) -> str:
    if by == "channel":
        return str(Channel(key).label) if key in Channel.values else str(key)
    if key is None:
        return {"owner": _("Nobody"), "department": _("No department")}.get(by, "—")
    return str(label)


def _feedback(user) -> QuerySet[Feedback]:
    return Feedback.objects.filter(client__in=clients_for_user(user))


def service_report(*, user, by: str, months: int = DEFAULT_MONTHS, now=None) -> Report:
    """Deadline compliance and median waiting times per ``by`` and month, in one query.

    The items received within the last ``months`` calendar months (this one included)
    that had deadlines, of the clients ``user`` sees.
    """
    now = now or timezone.now()
    starts, since = _window(months, now)
    key_field, label_field = SERVICE_DIMENSIONS[by]
    rows = (
        _feedback(user)
        .filter(received_at__gte=since)
        .exclude(response_due__isnull=True, resolution_due__isnull=True)
        .annotate(month=TruncMonth("received_at"))
        .values_list(
            key_field,
            label_field,
            "month",
            "response_due",
            "acknowledged_at",
            "resolution_due",
            "resolved_at",
            "response_minutes",
            "resolution_minutes",
        )
        .order_by()
    )
    labels, records = {}, []
    for key, label, month, *times in rows:
        labels[key] = label
        records.append(ServiceRecord(key, _month(month), *times))
    by_key = service_figures(records, now=now)
    overall = service_figures(records, now=now, key=lambda record: None)
    return Report(
        by=by,
        months=starts,
        rows=_rows(by, labels, by_key, starts),
        overall=ReportRow(
            key=None,
            label=_("Everyone"),
            cells=[overall.get((None, month)) for month in starts],
            total=overall.get((None, None), ServiceFigures()),
        ),
    )


def _rows(by, labels, figures, starts) -> list[ReportRow]:
    rows = [
        ReportRow(
            key=key,
            label=_label(by, key, label),
            cells=[figures.get((key, month)) for month in starts],
            total=figures[(key, None)],
        )
        for key, label in labels.items()
        if (key, None) in figures
    ]
    return sorted(rows, key=lambda row: (row.key is None, row.label.casefold(), str(row.key)))


def rating_report(
    *, user, by: str, months: int = DEFAULT_MONTHS, now=None, client: Client | None = None
) -> Report:
    """The average rating per ``by`` and month (and over the months), in one query.

    ``client`` narrows it to one client's feedback (its page's trend).
    """
    now = now or timezone.now()
    starts, since = _window(months, now)
    key_field, label_field = RATING_DIMENSIONS[by]
    feedback = _feedback(user).filter(received_at__gte=since, rating__isnull=False)
    if client is not None:
        feedback = feedback.filter(client=client)
    grouped = (
        feedback.annotate(month=TruncMonth("received_at"))
        .values(key_field, label_field, "month")
        .annotate(total=Sum("rating"), ratings=Count("id"))
        .order_by()
    )
    by_key: dict[tuple, list[int]] = {}
    overall: dict = {}
    labels = {}
    for row in grouped:
        key, month = row[key_field], _month(row["month"])
        labels[key] = row[label_field]
        for totals, group in (
            (by_key, (key, month)),
            (by_key, (key, None)),
            (overall, month),
            (overall, None),
        ):
            total = totals.setdefault(group, [0, 0])
            total[0] += row["total"]
            total[1] += row["ratings"]
    figures = {group: _rating(*total) for group, total in by_key.items()}
    return Report(
        by=by,
        months=starts,
        rows=_rows(by, labels, figures, starts),
        overall=ReportRow(
            key=None,
            label=_("Everyone"),
            cells=[_rating(*overall[month]) if month in overall else None for month in starts],
            total=_rating(*overall[None]) if None in overall else None,
        ),
    )


def _rating(total: int, ratings: int) -> RatingFigures:
    average = (Decimal(total) / Decimal(ratings)).quantize(Decimal("0.01"))
    return RatingFigures(average=average, ratings=ratings)


# Clients out of touch ---------------------------------------------------------------


def no_contact_days() -> int:
    return settings.PORTRAIT_CRM["NO_CONTACT_DAYS"]


def clients_out_of_touch(
    clients: QuerySet[Client], *, days: int | None = None, now=None
) -> QuerySet[Client]:
    """The ``clients`` nobody has been in touch with for ``days`` days (the setting's by
    default), with the moment of each kind of contact they last had.

    A contact is feedback received, a negotiation entry, a contract signed or a delay
    told (recorded, and told to the client at once). A client never contacted counts
    from when it was created: one created within the period is not out of touch yet.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=days or no_contact_days())
    feedback = Feedback.objects.filter(client=OuterRef("pk")).order_by("-received_at")
    entries = NegotiationEntry.objects.filter(negotiation__client=OuterRef("pk")).order_by(
        "-recorded_at"
    )
    contracts = Contract.objects.filter(client=OuterRef("pk")).order_by("-signed_on")
    delays = Delay.objects.filter(client=OuterRef("pk")).order_by("-recorded_at")
    return (
        clients.filter(
            ~Exists(feedback.filter(received_at__gte=cutoff)),
            ~Exists(entries.filter(recorded_at__gte=cutoff)),
            ~Exists(contracts.filter(signed_on__gte=timezone.localdate(cutoff))),
            ~Exists(delays.filter(recorded_at__gte=cutoff)),
        )
        .filter(
            Q(created_at__lt=cutoff)
            | Exists(feedback)
            | Exists(entries)
            | Exists(contracts)
            | Exists(delays)
        )
        .annotate(
            last_feedback_at=Subquery(feedback.values("received_at")[:1]),
            last_entry_at=Subquery(entries.values("recorded_at")[:1]),
            last_signed_on=Subquery(contracts.values("signed_on")[:1]),
            last_delay_at=Subquery(delays.values("recorded_at")[:1]),
        )
    )


@dataclass(frozen=True)
class OutOfTouch:
    """A client nobody has contacted: when they last were (None: never), and for how long."""

    client: Client
    last_contact: datetime.date | None
    days: int


def out_of_touch_rows(clients: QuerySet[Client], *, now=None) -> list[OutOfTouch]:
    """``clients_out_of_touch`` rows, the longest without contact first (one query)."""
    today = timezone.localdate(now or timezone.now())
    rows = []
    for client in clients:
        contacted = last_contact(
            *(
                timezone.localtime(moment) if isinstance(moment, datetime.datetime) else moment
                for moment in (
                    client.last_feedback_at,
                    client.last_entry_at,
                    client.last_signed_on,
                    client.last_delay_at,
                )
            )
        )
        since = contacted or timezone.localdate(client.created_at)
        rows.append(OutOfTouch(client=client, last_contact=contacted, days=(today - since).days))
    return sorted(rows, key=lambda row: (-row.days, row.client.name, row.client.pk))


def clients_out_of_touch_for_user(user, *, days: int | None = None, now=None) -> QuerySet[Client]:
    """The clients ``user`` sees that nobody has contacted, with their owners."""
    return clients_out_of_touch(clients_for_user(user).select_related("owner"), days=days, now=now)
