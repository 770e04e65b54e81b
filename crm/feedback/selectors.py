"""Reads of feedback and delays: those of the clients a user sees."""

from django.db.models import Case, DateTimeField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from crm.choices import FeedbackStatus
from crm.clients.selectors import clients_for_user
from crm.models import Client, Delay, Feedback, Negotiation


def feedback_for_user(user) -> QuerySet[Feedback]:
    """Feedback of the clients ``user`` sees, with what its answer renders."""
    return (
        Feedback.objects.filter(client__in=clients_for_user(user))
        .select_related("rules")
        .prefetch_related("escalations", _negotiation_ids())
    )


def _negotiation_ids() -> Prefetch:
    return Prefetch("negotiations", queryset=Negotiation.objects.only("id", "feedback_id"))


def feedback_overdue(queryset: QuerySet[Feedback], *, now=None) -> QuerySet[Feedback]:
    """The items past a deadline they have not met: no first response, or not resolved."""
    now = now or timezone.now()
    return queryset.filter(
        Q(status=FeedbackStatus.OPEN, response_due__lt=now)
        | (~Q(status=FeedbackStatus.RESOLVED) & Q(resolution_due__lt=now))
    )


def next_deadline() -> Case:
    """The deadline an item must meet next: the first response while it is open, then its
    resolution; none once resolved."""
    return Case(
        When(status=FeedbackStatus.OPEN, then=F("response_due")),
        When(status=FeedbackStatus.ACKNOWLEDGED, then=F("resolution_due")),
        default=Value(None),
        output_field=DateTimeField(),
    )


def feedback_queue(user) -> QuerySet[Feedback]:
    """The feedback ``user`` answers, by the deadline it must meet next: the most overdue
    first, then the nearest; items without a deadline (and resolved ones) last, newest first.

    A constant number of queries whatever the number of rows: the item with its client,
    owner, department and rules in one, its escalations and negotiations in one each.
    """
    return (
        feedback_for_user(user)
        .select_related("client", "client__owner", "department", "taken_by")
        .annotate(next_due=next_deadline())
        .order_by(F("next_due").asc(nulls_last=True), "-received_at", "-id")
    )


def client_feedback(client: Client) -> QuerySet[Feedback]:
    """A client's feedback for its page's timeline, newest first."""
    return (
        Feedback.objects.filter(client=client)
        .select_related("rules", "department", "taken_by", "acknowledged_by", "resolved_by")
        .prefetch_related("escalations", _negotiation_ids())
        .order_by("-received_at", "-id")
    )


def delays_for_user(user) -> QuerySet[Delay]:
    return Delay.objects.filter(client__in=clients_for_user(user)).select_related("client")


def delays_recent(user) -> QuerySet[Delay]:
    """Delays told to the clients ``user`` sees, newest first, with their department."""
    return (
        delays_for_user(user)
        .select_related("department", "recorded_by")
        .order_by("-recorded_at", "-id")
    )


def client_delays(client: Client) -> QuerySet[Delay]:
    """A client's delays, newest first: each the next postponement of its reference."""
    return (
        Delay.objects.filter(client=client)
        .select_related("department", "recorded_by")
        .order_by("-recorded_at", "-id")
    )
