"""Clients through the API: owners see their own, managers all, integrations none."""

import pytest
from django.urls import reverse

from crm.choices import ClientKind
from crm.contracts.services import contract_sign
from crm.models import Client
from portrait import roles
from tests.crm.factories import ClientFactory, DepartmentFactory, contract_data, qualified_lead
from tests.qualification.funnel_factories import fresh_permissions

CLIENTS = reverse("v1:client-list")


def detail_url(client) -> str:
    return reverse("v1:client-detail", args=[client.pk])


def test_a_manager_creates_a_partner_with_contacts(client_for):
    api = client_for(roles.SALES_MANAGERS)

    response = api.post(
        CLIENTS,
        {
            "kind": "partner",
            "name": "Channel partner",
            "preferred_channels": ["email", "messenger"],
            "time_zone": "Europe/Warsaw",
            "language": "pl",
            "hours": "9-17",
            "contacts": [{"name": "Anna", "email": "anna@partner.example", "language": "pl"}],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["owner"], body["preferred_channels"]) == (
        "partner",
        api.user.pk,
        ["email", "messenger"],
    )
    assert [contact["name"] for contact in body["contacts"]] == ["Anna"]


def test_an_internal_client_is_a_department(client_for):
    api = client_for(roles.ADMINS)
    department = DepartmentFactory(name="Logistics")

    missing = api.post(CLIENTS, {"kind": "internal", "name": "Logistics"}, format="json")
    made = api.post(
        CLIENTS,
        {"kind": "internal", "name": "Logistics", "department": department.pk},
        format="json",
    )

    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["department"]
    assert made.status_code == 201


def test_a_department_is_one_client_and_a_second_is_named(client_for):
    api = client_for(roles.ADMINS)
    department = DepartmentFactory(name="Accounting")
    body = {"kind": "internal", "name": "Accounting", "department": department.pk}
    assert api.post(CLIENTS, body, format="json").status_code == 201

    again = api.post(CLIENTS, {**body, "name": "Accounting again"}, format="json")

    assert again.status_code == 400
    assert again.json()["errors"] == {"department": ["This department is a client already."]}


@pytest.mark.parametrize("role", [roles.INTEGRATIONS, None])
def test_only_an_employee_who_serves_clients_owns_one_or_heads_a_department(
    client_for, make_user, role
):
    account = make_user(*([role] if role else []))
    api = client_for(roles.ADMINS)

    client = api.post(CLIENTS, {"kind": "partner", "name": "P", "owner": account.pk}, format="json")
    department = api.post(
        reverse("v1:department-list"), {"name": "IT", "head": account.pk}, format="json"
    )

    assert (client.status_code, list(client.json()["errors"])) == (400, ["owner"])
    assert (department.status_code, list(department.json()["errors"])) == (400, ["head"])


def test_an_external_client_only_comes_from_a_contract(client_for):
    response = client_for(roles.SALES_MANAGERS).post(
        CLIENTS, {"kind": "external", "name": "Acme"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["kind"]
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("preferred_channels", ["pigeon"]), ("language", "xx")],
)
def test_bad_values_are_named(client_for, field, value):
    response = client_for(roles.SALES_MANAGERS).post(
        CLIENTS, {"kind": "partner", "name": "P", field: value}, format="json"
    )

    assert response.status_code == 400
    assert [key.split("[")[0] for key in response.json()["errors"]] == [field]


def test_a_salesperson_sees_only_their_own_clients(client_for, make_user):
    api = client_for(roles.SALES)
    own = ClientFactory(owner=api.user)
    ClientFactory(owner=make_user(roles.SALES))

    listed = api.get(CLIENTS).json()["results"]
    other = api.get(detail_url(ClientFactory(owner=make_user(roles.SALES))))

    assert [row["id"] for row in listed] == [own.pk]
    assert other.status_code == 404


def test_integrations_see_no_clients(client_for):
    ClientFactory()

    assert client_for(roles.INTEGRATIONS).get(CLIENTS).status_code == 403


def test_filters_by_kind_owner_and_search(client_for, make_user):
    api = client_for(roles.SALES_MANAGERS)
    seller = make_user(roles.SALES)
    ClientFactory(name="Globex", kind=ClientKind.SUPPLIER)
    ClientFactory(name="Initech", kind=ClientKind.PARTNER, owner=seller)

    def names(query):
        return [row["name"] for row in api.get(CLIENTS, query).json()["results"]]

    assert names({"kind": "supplier"}) == ["Globex"]
    assert names({"owner": seller.pk}) == ["Initech"]
    assert names({"q": "glob"}) == ["Globex"]


def test_the_detail_lists_contracts_and_the_leads_they_came_from(client_for):
    api = client_for(roles.SALES)
    lead = qualified_lead(api.user)
    contract, _ = contract_sign(lead=lead, user=api.user, data=contract_data("K-1"))

    body = api.get(detail_url(contract.client)).json()

    assert [row["number"] for row in body["contracts"]] == ["K-1"]
    assert body["leads"] == [lead.pk]
    assert body["kind"] == "external"


def test_a_salesperson_may_not_hand_their_client_to_someone_else(client_for, make_user):
    api = client_for(roles.SALES)
    own = ClientFactory(owner=api.user)

    refused = api.patch(detail_url(own), {"owner": make_user(roles.SALES).pk}, format="json")
    changed = api.patch(detail_url(own), {"hours": "after 10"}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["owner"]
    assert changed.status_code == 200
    own.refresh_from_db()
    assert (own.owner, own.hours) == (api.user, "after 10")


def test_the_kind_of_a_client_does_not_change(client_for):
    api = client_for(roles.SALES_MANAGERS)
    partner = ClientFactory(kind=ClientKind.PARTNER)

    response = api.patch(detail_url(partner), {"kind": "supplier"}, format="json")

    assert response.status_code == 400
    partner.refresh_from_db()
    assert partner.kind == ClientKind.PARTNER


def test_the_client_list_costs_the_same_queries_for_more_rows(
    client_for, django_assert_num_queries
):
    api = client_for(roles.SALES_MANAGERS)
    for _ in range(4):
        ClientFactory().contacts.create(name="Someone")
    fresh_permissions(api)

    # The user's permissions (2), the count-free page (1), the contacts (1).
    with django_assert_num_queries(4):
        response = api.get(CLIENTS)

    assert len(response.json()["results"]) == 4


def test_admins_add_departments(client_for):
    created = client_for(roles.ADMINS).post(
        reverse("v1:department-list"), {"name": "Warehouse"}, format="json"
    )
    refused = client_for(roles.SALES_MANAGERS).post(
        reverse("v1:department-list"), {"name": "Quality"}, format="json"
    )
    duplicate = client_for(roles.ADMINS).post(
        reverse("v1:department-list"), {"name": "Warehouse"}, format="json"
    )

    assert created.status_code == 201
    assert refused.status_code == 403
    assert duplicate.status_code == 400
    assert list(duplicate.json()["errors"]) == ["name"]


def test_the_figures_of_a_client_are_its_own_in_the_list_and_the_detail(client_for, make_user):
    from decimal import Decimal

    from django.utils import timezone

    from crm.models import Negotiation

    seller = make_user(roles.SALES)
    contract, _ = contract_sign(
        lead=qualified_lead(seller),
        user=seller,
        data=contract_data("K-1", value=Decimal("100.00")),
    )
    for question in ("Price", "Term", "Scope"):
        Negotiation.objects.create(
            client=contract.client, question=question, deadline=timezone.now()
        )
    api = client_for(roles.SALES_MANAGERS)

    row = api.get(CLIENTS).json()["results"][0]
    detail = api.get(detail_url(contract.client)).json()

    figures = ("contract_count", "contracted_value", "open_negotiations")
    assert [row[name] for name in figures] == [1, "100.00", 3]
    assert [detail[name] for name in figures] == [1, "100.00", 3]


def test_the_department_list_costs_the_same_queries_for_more_rows(
    client_for, make_user, django_assert_num_queries
):
    api = client_for(roles.ADMINS)
    for name in ("Warehouse", "Logistics", "Quality"):
        DepartmentFactory(name=name, head=make_user())
    fresh_permissions(api)

    # The user's permissions (2), the page with the heads (1).
    with django_assert_num_queries(3):
        response = api.get(reverse("v1:department-list"))

    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize("channels", [["email", "email"], [["email"]], [{"channel": "email"}]])
def test_preferred_channels_are_known_channels_each_named_once(client_for, channels):
    body = {"kind": "partner", "name": "P", "preferred_channels": channels}

    response = client_for(roles.SALES_MANAGERS).post(CLIENTS, body, format="json")

    assert response.status_code == 400
    fields = list(response.json()["errors"])
    assert fields and all(field.startswith("preferred_channels") for field in fields)
    assert not Client.objects.exists()
