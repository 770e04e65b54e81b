"""Reads of clients; who sees which client is decided here and only here."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from crm.models import Client, Contract, Negotiation, NegotiationEntry
from qualification.models import Decision, Lead

VIEW_ALL = "crm.view_all_clients"


def clients_for_user(user) -> QuerySet[Client]:
    """Every client for managers, admins and technical staff; for a salesperson, those they
    own and those they signed a contract with (a company another salesperson won first).

    Integration accounts (and anyone without ``view_client``) see none.
    """
    queryset = Client.objects.all()
    if not user.is_authenticated or not user.is_active or not user.has_perm("crm.view_client"):
        return queryset.none()
    if user.is_superuser or user.has_perm(VIEW_ALL):
        return queryset
    sold = Contract.objects.filter(client=OuterRef("pk"), salesperson=user)
    return queryset.filter(Q(owner=user) | Exists(sold))


def _with_figures(queryset: QuerySet[Client]) -> QuerySet[Client]:
    """Each client's contracts, their value and its open negotiations, each in a sub-select.

    Joined side by side, the contracts and the negotiations multiply each other's rows.
    """
    contracts = Contract.objects.filter(client=OuterRef("pk")).order_by().values("client")
    open_negotiations = (
        Negotiation.objects.filter(client=OuterRef("pk"), outcome="").order_by().values("client")
    )
    return queryset.annotate(
        contract_count=Coalesce(Subquery(contracts.annotate(count=Count("*")).values("count")), 0),
        contracted_value=Subquery(contracts.annotate(total=Sum("base_value")).values("total")),
        open_negotiations=Coalesce(
            Subquery(open_negotiations.annotate(count=Count("*")).values("count")), 0
        ),
    )


def client_list(*, user) -> QuerySet[Client]:
    """The clients ``user`` sees, with what a list shows, in a constant number of queries."""
    return _with_figures(
        clients_for_user(user).select_related("owner", "department").prefetch_related("contacts")
    )


def client_detail(*, user) -> QuerySet[Client]:
    """The clients ``user`` sees, with contacts, contracts and their clauses, negotiations."""
    return (
        _with_figures(clients_for_user(user))
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


def client_owners() -> QuerySet:
    """The people who own a client, by name: the choices of the clients page's filter."""
    return (
        get_user_model()
        .objects.filter(Exists(Client.objects.filter(owner=OuterRef("pk"))))
        .order_by("username")
    )


def client_has_mail_contact(client: Client) -> bool:
    """Whether a notice to ``client`` reaches anyone: a contact of theirs has an e-mail."""
    return client.contacts.exclude(email="").exists()
