"""Stage 2 in the admin: contracts signed through the service, clients of other kinds."""

import pytest
from django.urls import reverse

from crm.choices import ClientKind
from crm.contracts.services import contract_sign
from crm.models import Client, Contract, Negotiation
from portrait import roles
from qualification.choices import LeadStage
from tests.crm.factories import ClientFactory, contract_data, qualified_lead


@pytest.fixture
def manager(make_user, client):
    user = make_user(roles.SALES_MANAGERS, is_staff=True)
    client.force_login(user)
    return user


def test_a_manager_signs_a_contract_in_the_admin(manager, client, make_user):
    lead = qualified_lead(make_user(roles.SALES), company_name="Acme")

    response = client.post(
        reverse("admin:crm_contract_add"),
        {
            "lead": lead.pk,
            "number": "K-9",
            "signed_on": "2026-03-02",
            "value": "5000",
            "currency": "UAH",
            "term_months": "6",
            "clauses": "1.1 | Scope\n4.2 | Delivery within 10 days",
        },
    )

    contract = Contract.objects.get()
    assert response.status_code == 302
    assert list(contract.clauses.values_list("ref", "text")) == [
        ("1.1", "Scope"),
        ("4.2", "Delivery within 10 days"),
    ]
    lead.refresh_from_db()
    assert lead.stage == LeadStage.CONTRACTED


def test_the_admin_shows_the_services_refusal_on_the_form(manager, client, make_user):
    seller = make_user(roles.SALES)
    contract_sign(lead=qualified_lead(seller), user=seller, data=contract_data("K-1"))
    lead = qualified_lead(seller)

    response = client.post(
        reverse("admin:crm_contract_add"),
        {
            "lead": lead.pk,
            "number": "K-1",
            "signed_on": "2026-03-02",
            "value": "5000",
            "currency": "UAH",
            "term_months": "6",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"number": ["Another contract has this number."]}
    assert Contract.objects.count() == 1


def test_a_signed_contract_is_read_only_in_the_admin(manager, client, make_user):
    seller = make_user(roles.SALES)
    contract, _ = contract_sign(lead=qualified_lead(seller), user=seller, data=contract_data())

    page = client.get(reverse("admin:crm_contract_change", args=[contract.pk]))
    deleted = client.post(reverse("admin:crm_contract_delete", args=[contract.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert 'name="number"' not in page.content.decode()
    assert deleted.status_code == 403
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_the_admin_creates_a_partner_and_offers_no_external_kind(manager, client):
    form = client.get(reverse("admin:crm_client_add"))
    response = client.post(
        reverse("admin:crm_client_add"),
        {
            "kind": ClientKind.PARTNER,
            "name": "Channel partner",
            "preferred_channels": '["email"]',
            "time_zone": "Europe/Kyiv",
            "language": "uk",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
            "contacts-0-name": "Olena",
            "contacts-0-email": "olena@partner.example",
            "contacts-0-language": "uk",
        },
    )

    assert 'value="external"' not in form.content.decode()
    assert response.status_code == 302
    partner = Client.objects.get()
    assert (partner.kind, partner.time_zone) == (ClientKind.PARTNER, "Europe/Kyiv")
    assert list(partner.contacts.values_list("name", flat=True)) == ["Olena"]


def test_negotiations_are_read_only_in_the_admin(manager, client):
    negotiation = Negotiation.objects.create(
        client=ClientFactory(), question="Price", deadline="2030-01-01T00:00:00Z"
    )

    page = client.get(reverse("admin:crm_negotiation_change", args=[negotiation.pk]))

    assert page.status_code == 200
    assert 'name="question"' not in page.content.decode()
