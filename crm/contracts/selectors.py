"""Reads of contracts: those of the clients a user sees."""

from django.db.models import QuerySet

from crm.clients.selectors import clients_for_user
from crm.models import Contract


def contracts_for_user(user) -> QuerySet[Contract]:
    """Contracts of the clients ``user`` sees, with their clauses."""
    return (
        Contract.objects.filter(client__in=clients_for_user(user))
        .select_related("client")
        .prefetch_related("clauses")
    )
