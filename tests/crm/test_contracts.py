"""Signing a contract closes the funnel: the lead is contracted, its company one client."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.choices import ClientKind
from crm.contracts.services import contract_sign
from crm.models import Client, Contract
from portrait import roles
from qualification.choices import LeadChange, LeadStage
from qualification.leads.merge import lead_merge
from qualification.models import LeadIdentity, LeadTransition
from tests.crm.factories import contract_data, qualified_lead
from tests.qualification.factories import LeadFactory

CONTRACTS = reverse("v1:contract-list")


def test_signing_makes_the_lead_contracted_and_its_company_a_client(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller, company_name="Acme", email="ceo@acme.example")

    contract, created = contract_sign(
        lead=lead,
        user=seller,
        data=contract_data(),
        clauses=[{"ref": "4.2", "text": "Delivery within 10 days."}],
    )

    lead.refresh_from_db()
    assert created
    assert lead.stage == LeadStage.CONTRACTED
    client = contract.client
    assert (client.kind, client.name, client.owner) == (ClientKind.EXTERNAL, "Acme", seller)
    assert list(client.contacts.values_list("email", flat=True)) == ["ceo@acme.example"]
    assert list(contract.clauses.values_list("ref", "text")) == [
        ("4.2", "Delivery within 10 days.")
    ]
    assert (contract.base_value, contract.salesperson, contract.signed_by) == (
        Decimal("120000.00"),
        seller,
        seller,
    )
    transition = LeadTransition.objects.get(lead=lead)
    assert (transition.change, transition.stage_before, transition.stage_after) == (
        LeadChange.CONTRACTED,
        LeadStage.QUALIFIED,
        LeadStage.CONTRACTED,
    )


def test_a_second_contract_of_the_same_lead_links_the_same_client(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)
    first, _ = contract_sign(lead=lead, user=seller, data=contract_data("K-1"))

    second, created = contract_sign(lead=lead, user=seller, data=contract_data("K-2"))

    assert created
    assert second.client == first.client
    assert Client.objects.count() == 1


def test_a_lead_merged_into_the_signed_one_keeps_its_client(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller, company_name="Acme", website="acme.example")
    first, _ = contract_sign(lead=lead, user=seller, data=contract_data("K-1"))
    other = qualified_lead(seller, company_name="Acme Group", source="web")
    contract_sign(lead=other, user=seller, data=contract_data("K-2"))

    survivor = lead_merge(survivor=lead, duplicate=other, user=seller)
    third, _ = contract_sign(lead=survivor, user=seller, data=contract_data("K-3"))

    assert third.client == first.client
    assert LeadIdentity.objects.filter(lead=survivor).exists()


@pytest.mark.parametrize(
    "shared",
    [
        {"website": "https://www.acme.example/"},
        {"email": "sales@acme.example"},
        {"company_name": "ACME Ltd."},
    ],
)
def test_a_lead_sharing_a_duplicate_key_links_the_same_client(make_user, shared):
    seller = make_user(roles.SALES)
    signed = qualified_lead(
        seller, company_name="Acme", website="acme.example", email="ceo@acme.example"
    )
    first, _ = contract_sign(lead=signed, user=seller, data=contract_data("K-1"))
    peer = qualified_lead(seller, **{"company_name": "Another name", **shared})

    second, _ = contract_sign(lead=peer, user=seller, data=contract_data("K-2"))

    assert second.client == first.client


def test_a_lead_of_another_company_gets_a_client_of_its_own(make_user):
    seller = make_user(roles.SALES)
    first, _ = contract_sign(
        lead=qualified_lead(seller, website="acme.example"), user=seller, data=contract_data("K-1")
    )
    second, _ = contract_sign(
        lead=qualified_lead(seller, website="globex.example"),
        user=seller,
        data=contract_data("K-2"),
    )

    assert second.client != first.client


def test_a_key_shared_by_many_leads_names_no_company(make_user):
    from qualification.leads.duplicates import MAX_LEADS_SHARING_A_KEY

    seller = make_user(roles.SALES)
    first, _ = contract_sign(
        lead=qualified_lead(seller, website="hosting.example"),
        user=seller,
        data=contract_data("K-1"),
    )
    LeadFactory.create_batch(MAX_LEADS_SHARING_A_KEY, website="hosting.example")

    second, _ = contract_sign(
        lead=qualified_lead(seller, website="hosting.example"),
        user=seller,
        data=contract_data("K-2"),
    )

    assert second.client != first.client


def test_a_retry_with_the_same_number_returns_the_contract_and_writes_nothing(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)
    first, _ = contract_sign(lead=lead, user=seller, data=contract_data("K-1"))

    again, created = contract_sign(lead=lead, user=seller, data=contract_data("K-1"))

    assert (again, created) == (first, False)
    assert Contract.objects.count() == 1
    assert LeadTransition.objects.count() == 1


def test_another_leads_number_is_refused_naming_the_number(make_user):
    seller = make_user(roles.SALES)
    contract_sign(lead=qualified_lead(seller), user=seller, data=contract_data("K-1"))
    other = qualified_lead(seller)

    with pytest.raises(ValidationError) as refusal:
        contract_sign(lead=other, user=seller, data=contract_data("K-1"))

    assert list(refusal.value.message_dict) == ["number"]
    other.refresh_from_db()
    assert other.stage == LeadStage.QUALIFIED


@pytest.mark.parametrize("stage", [LeadStage.NEW, LeadStage.DISQUALIFIED, LeadStage.LOST])
def test_a_lead_not_decided_interesting_or_lost_cannot_sign(make_user, stage):
    seller = make_user(roles.SALES)
    lead = LeadFactory(stage=stage, owner=seller)

    with pytest.raises(ValidationError) as refusal:
        contract_sign(lead=lead, user=seller, data=contract_data())

    assert list(refusal.value.message_dict) == ["lead"]
    assert not Contract.objects.exists()
    assert not Client.objects.exists()


def test_a_salesperson_signs_only_their_own_leads_and_a_manager_anyones(make_user):
    owner, colleague = make_user(roles.SALES), make_user(roles.SALES)
    lead = qualified_lead(owner)

    with pytest.raises(PermissionDenied):
        contract_sign(lead=lead, user=colleague, data=contract_data("K-1"))
    manager = make_user(roles.SALES_MANAGERS)
    contract, _ = contract_sign(lead=lead, user=manager, data=contract_data("K-1"))

    assert (contract.salesperson, contract.signed_by, contract.client.owner) == (
        owner,
        manager,
        owner,
    )


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.ADMINS, roles.INTEGRATIONS])
def test_roles_that_do_not_sell_cannot_sign(make_user, role):
    user = make_user(role)
    lead = qualified_lead(user)

    with pytest.raises(PermissionDenied):
        contract_sign(lead=lead, user=user, data=contract_data())
    assert not Contract.objects.exists()


def test_a_contract_in_another_currency_needs_its_rate(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)

    with pytest.raises(ValidationError) as refusal:
        contract_sign(lead=lead, user=seller, data=contract_data(currency="EUR"))
    assert list(refusal.value.message_dict) == ["exchange_rate"]

    contract, _ = contract_sign(
        lead=lead,
        user=seller,
        data=contract_data(currency="EUR", value=Decimal("1000"), exchange_rate=Decimal("45.5")),
    )
    assert contract.base_value == Decimal("45500.00")


def test_a_clause_without_text_names_its_path_and_writes_nothing(make_user):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)

    with pytest.raises(ValidationError) as refusal:
        contract_sign(
            lead=lead,
            user=seller,
            data=contract_data(),
            clauses=[{"ref": "1", "text": "Fine"}, {"ref": "2", "text": ""}],
        )

    assert list(refusal.value.message_dict) == ["clauses[1].text"]
    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED
    assert not Client.objects.exists()


# --- API -----------------------------------------------------------------------------


def body(lead, number="K-17", **fields) -> dict:
    return {
        "lead": lead.pk,
        "number": number,
        "signed_on": "2026-02-02",
        "value": "120000.00",
        "currency": "UAH",
        "term_months": 12,
        "clauses": [{"ref": "4.2", "text": "Delivery"}],
        **fields,
    }


def test_the_api_signs_and_answers_the_contract_with_its_client(client_for):
    api = client_for(roles.SALES)
    lead = qualified_lead(api.user)

    response = api.post(CONTRACTS, body(lead), format="json")

    assert response.status_code == 201
    answer = response.json()
    contract = Contract.objects.get()
    assert (answer["id"], answer["lead"], answer["client"], answer["number"]) == (
        contract.pk,
        lead.pk,
        contract.client_id,
        "K-17",
    )
    assert answer["clauses"] == [{"ref": "4.2", "text": "Delivery"}]
    again = api.post(CONTRACTS, body(lead), format="json")
    assert (again.status_code, again.json()["id"]) == (200, contract.pk)


def test_the_api_names_the_lead_when_it_cannot_sign(client_for):
    api = client_for(roles.SALES)
    lead = LeadFactory(owner=api.user)

    response = api.post(CONTRACTS, body(lead), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lead"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"signed_on": "2099-01-01"}, "signed_on"),
        ({"signed_on": "0001-01-01"}, "signed_on"),
        ({"term_months": 10_000_000_000}, "term_months"),
        ({"currency": "UAH", "exchange_rate": "40"}, "exchange_rate"),
    ],
)
def test_the_api_refuses_a_contract_no_one_could_have_signed(client_for, fields, field):
    api = client_for(roles.SALES)
    lead = qualified_lead(api.user)

    response = api.post(CONTRACTS, body(lead, **fields), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Contract.objects.exists()


def test_the_api_hides_a_lead_the_salesperson_cannot_see(client_for, make_user):
    api = client_for(roles.SALES)
    lead = qualified_lead(make_user(roles.SALES))

    response = api.post(CONTRACTS, body(lead), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["lead"]
    assert not Contract.objects.exists()


def test_owners_list_their_clients_contracts_and_managers_all(client_for, make_user):
    seller, other = make_user(roles.SALES), make_user(roles.SALES)
    contract_sign(lead=qualified_lead(seller), user=seller, data=contract_data("K-1"))
    contract_sign(lead=qualified_lead(other), user=other, data=contract_data("K-2"))
    api = client_for(roles.SALES_MANAGERS)
    api.force_authenticate(seller)

    own = api.get(CONTRACTS).json()["results"]
    api.force_authenticate(make_user(roles.SALES_MANAGERS))
    every = api.get(CONTRACTS).json()["results"]

    assert [row["number"] for row in own] == ["K-1"]
    assert sorted(row["number"] for row in every) == ["K-1", "K-2"]


def test_the_contract_list_costs_the_same_queries_for_more_rows(
    client_for, django_assert_num_queries
):
    from tests.qualification.funnel_factories import fresh_permissions

    api = client_for(roles.SALES_MANAGERS)
    for number in range(3):
        lead = qualified_lead(api.user)
        contract_sign(
            lead=lead,
            user=api.user,
            data=contract_data(f"K-{number}"),
            clauses=[{"ref": "1", "text": "a"}],
        )
    fresh_permissions(api)

    # The user's permissions (2), the page (1), the clauses (1).
    with django_assert_num_queries(4):
        response = api.get(CONTRACTS)

    assert len(response.json()["results"]) == 3
    assert all(row["clauses"] == [{"ref": "1", "text": "a"}] for row in response.json()["results"])


def test_a_denied_signing_changes_nothing(client_for):
    api = client_for(roles.TECHNICAL)
    lead = qualified_lead(api.user)

    response = api.post(CONTRACTS, body(lead), format="json")

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED
    assert not Contract.objects.exists()


def test_a_salesperson_signing_for_a_company_another_won_sees_their_contract(client_for, make_user):
    first = make_user(roles.SALES)
    contract_sign(
        lead=qualified_lead(first, website="acme.example"), user=first, data=contract_data("K-1")
    )
    api = client_for(roles.SALES)
    peer = qualified_lead(api.user, website="acme.example")

    response = api.post(CONTRACTS, body(peer, "K-2"), format="json")
    listed = api.get(CONTRACTS).json()["results"]

    assert response.status_code == 201
    assert response.json()["client"] == Contract.objects.get(number="K-1").client_id
    # The shared client's contracts, the other salesperson's included.
    assert sorted(row["number"] for row in listed) == ["K-1", "K-2"]


def test_merging_a_signed_duplicate_makes_the_survivor_contracted(make_user):
    from qualification.leads.loss import lead_lose
    from tests.qualification.funnel_factories import reason

    seller = make_user(roles.SALES)
    survivor, duplicate = qualified_lead(seller), qualified_lead(seller, source="web")
    contract_sign(lead=duplicate, user=seller, data=contract_data("K-1"))

    merged = lead_merge(survivor=survivor, duplicate=duplicate, user=seller)

    assert merged.stage == LeadStage.CONTRACTED
    assert merged.contracts.count() == 1
    with pytest.raises(ValidationError):
        lead_lose(lead=merged, user=seller, reason_code=reason())
