"""Reads of clients; who sees which client is decided here and only here."""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from crm.models import Client, Contract, Negotiation, NegotiationEntry
from qualification.models import Decision, Lead

VIEW_ALL = "crm.view_all_clients"


def clients_for_user(user) -> QuerySet[Client]:
    """Every client for managers, admins and technical staff; a salesperson's own.

    Integration accounts (and anyone without ``view_client``) see none.
    """
    queryset = Client.objects.all()
    if not user.is_authenticated or not user.is_active or not user.has_perm("crm.view_client"):
        return queryset.none()
    if user.is_superuser or user.has_perm(VIEW_ALL):
        return queryset
    return queryset.filter(owner=user)


def client_list(*, user) -> QuerySet[Client]:
    """The clients ``user`` sees, with what a list shows, in a constant number of queries."""
    return (
        clients_for_user(user)
        .select_related("owner", "department")
        .prefetch_related("contacts")
        .annotate(
            contract_count=Count("contracts", distinct=True),
            contracted_value=Sum("contracts__base_value"),
            open_negotiations=Count(
                "negotiations", filter=Q(negotiations__outcome=""), distinct=True
            ),
        )
    )


def client_detail(*, user) -> QuerySet[Client]:
    """The clients ``user`` sees, with contacts, contracts and their clauses, negotiations."""
    return (
        clients_for_user(user)
        .select_related("owner", "department")
        .prefetch_related(
            "contacts",
            Prefetch(
                "contracts",
                queryset=Contract.objects.select_related("lead", "salesperson").prefetch_related(
                    "clauses"
                ),
            ),
            Prefetch(
                "negotiations",
                queryset=Negotiation.objects.select_related(
                    "contract", "opened_by"
                ).prefetch_related(
                    Prefetch(
                        "entries", queryset=NegotiationEntry.objects.select_related("recorded_by")
                    )
                ),
            ),
        )
    )


def client_leads(*, client: Client) -> QuerySet[Lead]:
    """The leads the client came from (those its contracts were signed for)."""
    return (
        Lead.objects.filter(contracts__client=client)
        .distinct()
        .select_related("segment", "owner")
        .order_by("id")
    )


def client_decisions(*, client: Client) -> QuerySet[Decision]:
    """The qualification history of the leads the client came from, newest first."""
    return (
        Decision.objects.filter(lead__contracts__client=client)
        .distinct()
        .select_related("lead", "decided_by", "reason_code")
        .order_by("-decided_at", "-id")
    )
