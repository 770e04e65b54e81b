"""Reads of negotiations: those with the clients a user sees."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from crm.clients.selectors import clients_for_user
from crm.models import Negotiation, NegotiationEntry


def negotiations_for_user(user) -> QuerySet[Negotiation]:
    """Negotiations with the clients ``user`` sees, with their entries in order."""
    return (
        Negotiation.objects.filter(client__in=clients_for_user(user))
        .select_related("client", "contract")
        .prefetch_related(
            Prefetch("entries", queryset=NegotiationEntry.objects.select_related("recorded_by"))
        )
    )


def negotiations_overdue_for_user(user) -> QuerySet[Negotiation]:
    """Open negotiations past their deadline with the clients ``user`` sees, oldest first."""
    return (
        Negotiation.objects.filter(
            client__in=clients_for_user(user), outcome="", deadline__lt=timezone.now()
        )
        .select_related("client")
        .order_by("deadline", "id")
    )
