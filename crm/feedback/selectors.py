"""Reads of feedback and delays: those of the clients a user sees."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.choices import FeedbackStatus
from crm.clients.selectors import clients_for_user
from crm.models import Delay, Feedback


def feedback_for_user(user) -> QuerySet[Feedback]:
    """Feedback of the clients ``user`` sees, with what its answer renders."""
    return (
        Feedback.objects.filter(client__in=clients_for_user(user))
        .select_related("rules")
        .prefetch_related("escalations")
    )


def feedback_overdue(queryset: QuerySet[Feedback], *, now=None) -> QuerySet[Feedback]:
    """The items past a deadline they have not met: no first response, or not resolved."""
    now = now or timezone.now()
    return queryset.filter(
        Q(status=FeedbackStatus.OPEN, response_due__lt=now)
        | (~Q(status=FeedbackStatus.RESOLVED) & Q(resolution_due__lt=now))
    )


def delays_for_user(user) -> QuerySet[Delay]:
    return Delay.objects.filter(client__in=clients_for_user(user)).select_related("client")
