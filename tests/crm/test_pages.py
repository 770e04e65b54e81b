"""Stage 2's pages: the clients list, a client's page, signing and losing from the lead page."""

import pytest
from django.test import Client as Browser
from django.urls import reverse

from crm.contracts.services import contract_sign
from crm.models import Contract
from crm.negotiations.services import negotiation_entry_add, negotiation_open
from portrait import roles
from qualification.choices import LeadStage
from tests.crm.factories import ClientFactory, contract_data, qualified_lead
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import reason


@pytest.fixture
def page_for(make_user):
    def make(*role_names: str) -> Browser:
        browser = Browser()
        browser.user = make_user(*role_names)
        browser.force_login(browser.user)
        return browser

    return make


def test_a_salesperson_signs_from_the_lead_page_and_lands_on_the_client(page_for):
    seller = page_for(roles.SALES)
    lead = qualified_lead(seller.user, company_name="Acme")

    lead_page = seller.get(reverse("qualification:lead", args=[lead.pk])).content.decode()
    signed = seller.post(
        reverse("crm:contract-sign", args=[lead.pk]),
        {
            "number": "K-17",
            "signed_on": "2026-02-02",
            "value": "120000",
            "currency": "UAH",
            "term_months": "12",
            "clauses": "4.2 | Delivery within 10 days",
        },
        follow=True,
    )

    assert reverse("crm:contract-sign", args=[lead.pk]) in lead_page
    contract = Contract.objects.get()
    assert signed.redirect_chain[-1][0] == reverse("crm:client", args=[contract.client_id])
    content = signed.content.decode()
    assert "Contract K-17" in content
    assert "Delivery within 10 days" in content


def test_the_sign_form_shows_the_services_refusal(page_for):
    seller = page_for(roles.SALES)
    contract_sign(lead=qualified_lead(seller.user), user=seller.user, data=contract_data("K-1"))
    lead = qualified_lead(seller.user)

    response = seller.post(
        reverse("crm:contract-sign", args=[lead.pk]),
        {
            "number": "K-1",
            "signed_on": "2026-02-02",
            "value": "1",
            "currency": "UAH",
            "term_months": "1",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"number": ["Another contract has this number."]}


@pytest.mark.parametrize("stage", [LeadStage.NEW, LeadStage.DISQUALIFIED, LeadStage.LOST])
def test_no_sign_button_for_a_lead_not_decided_interesting(page_for, stage):
    seller = page_for(roles.SALES)
    lead = LeadFactory(stage=stage, owner=seller.user)

    page = seller.get(reverse("qualification:lead", args=[lead.pk]))

    assert page.status_code == 200
    assert reverse("crm:contract-sign", args=[lead.pk]) not in page.content.decode()


@pytest.mark.parametrize("stage", [LeadStage.NEW, LeadStage.DISQUALIFIED, LeadStage.LOST])
def test_the_sign_page_of_a_lead_not_decided_interesting_sends_back_to_the_lead(page_for, stage):
    seller = page_for(roles.SALES)
    lead = LeadFactory(stage=stage, owner=seller.user)

    response = seller.get(reverse("crm:contract-sign", args=[lead.pk]), follow=True)

    assert response.redirect_chain == [(reverse("qualification:lead", args=[lead.pk]), 302)]
    assert "Only a lead decided interesting can sign" in response.content.decode()


def test_technical_staff_may_not_open_the_sign_page(page_for, make_user):
    lead = qualified_lead(make_user(roles.SALES))

    response = page_for(roles.TECHNICAL).get(reverse("crm:contract-sign", args=[lead.pk]))

    assert response.status_code == 403


def test_a_qualified_lead_is_marked_lost_from_its_page(page_for):
    seller = page_for(roles.SALES)
    lead = qualified_lead(seller.user)
    reason("no_budget")

    page = seller.get(reverse("qualification:lead", args=[lead.pk])).content.decode()
    response = seller.post(
        reverse("qualification:lead-lost", args=[lead.pk]),
        {"reason_code": reason("no_budget").pk, "reason": "Frozen"},
    )

    assert reverse("qualification:lead-lost", args=[lead.pk]) in page
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == LeadStage.LOST


def test_losing_without_a_reason_code_shows_the_form_again(page_for):
    seller = page_for(roles.SALES)
    lead = qualified_lead(seller.user)

    response = seller.post(reverse("qualification:lead-lost", args=[lead.pk]), {})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reason_code"]
    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED


def test_the_clients_list_shows_a_salesperson_their_own(page_for, make_user):
    seller = page_for(roles.SALES)
    ClientFactory(name="Mine", owner=seller.user)
    ClientFactory(name="Theirs", owner=make_user(roles.SALES))

    response = seller.get(reverse("crm:clients"))

    names = [client.name for client in response.context["page"].object_list]
    assert names == ["Mine"]


def test_the_clients_list_filters_by_kind(page_for):
    manager = page_for(roles.SALES_MANAGERS)
    ClientFactory(name="Parts Ltd", kind="supplier")
    ClientFactory(name="Blogger", kind="influencer")

    response = manager.get(reverse("crm:clients"), {"kind": "influencer"})

    assert [client.name for client in response.context["page"].object_list] == ["Blogger"]


def test_integrations_have_no_clients_page(page_for):
    assert page_for(roles.INTEGRATIONS).get(reverse("crm:clients")).status_code == 403


def test_the_client_page_shows_contacts_contracts_and_the_negotiation_timeline(page_for):
    seller = page_for(roles.SALES)
    contract, _ = contract_sign(
        lead=qualified_lead(seller.user, company_name="Acme", email="ceo@acme.example"),
        user=seller.user,
        data=contract_data("K-5"),
        clauses=[{"ref": "4.2", "text": "Delivery"}],
    )
    negotiation = negotiation_open(
        user=seller.user,
        client=contract.client,
        contract=contract,
        clause_ref="4.2",
        question="Winter delivery?",
        deadline="2030-01-01T00:00:00Z",
    )
    negotiation_entry_add(
        negotiation=negotiation, user=seller.user, party="client", kind="position", text="20 days"
    )

    content = seller.get(reverse("crm:client", args=[contract.client_id])).content.decode()

    for expected in ("ceo@acme.example", "Contract K-5", "Winter delivery?", "20 days"):
        assert expected in content


def test_a_client_of_someone_else_is_not_found(page_for, make_user):
    other = ClientFactory(owner=make_user(roles.SALES))

    assert page_for(roles.SALES).get(reverse("crm:client", args=[other.pk])).status_code == 404


def test_the_dashboard_shows_the_funnel_the_plans_actuals_and_segment_coverage(page_for):
    import datetime
    from decimal import Decimal

    from tests.qualification.funnel_factories import SalesPlanFactory, published_portrait

    manager = page_for(roles.SALES_MANAGERS)
    portrait = published_portrait(
        segments=[("Big", {"all": [{"field": "employees", "op": "gte", "value": 50}]}, 1)]
    )
    segment = portrait.segments.get()
    SalesPlanFactory(name="Q1", target_contracts=4, target_revenue=Decimal("10000"))
    contract_sign(
        lead=qualified_lead(manager.user, segment=segment, suggested_verdict="interesting"),
        user=manager.user,
        data=contract_data("K-1", value=Decimal("3000"), signed_on=datetime.date.today()),
    )

    response = manager.get(reverse("qualification:dashboard"))

    funnel = {step.key: step.count for step in response.context["funnel"]}
    assert funnel == {"leads": 1, "evaluated": 1, "interesting": 1, "contracted": 1, "lost": 0}
    plan = response.context["plans"][0]
    assert (plan["coverage"].actual.contracts, plan["bar"].signed_width) == (1, 25)
    coverage = response.context["segments"][0]["coverage"]
    assert (coverage.won.clients, coverage.won.value) == (1, Decimal("3000"))
    content = response.content.decode()
    assert "1 signed and 0.00 expected contracts for a target of 4" in content


def test_the_clients_page_lists_the_negotiations_past_their_deadline(page_for, make_user):
    import datetime

    from django.utils import timezone

    from crm.models import Negotiation

    seller = page_for(roles.SALES)
    own = ClientFactory(name="Mine", owner=seller.user)
    theirs = ClientFactory(name="Theirs", owner=make_user(roles.SALES))
    past = timezone.now() - datetime.timedelta(days=1)
    for client, question in ((own, "Our price"), (theirs, "Their price")):
        Negotiation.objects.create(client=client, question=question, deadline=past)
    Negotiation.objects.create(
        client=own, question="Later", deadline=past + datetime.timedelta(days=9)
    )

    response = seller.get(reverse("crm:clients"))

    assert [negotiation.question for negotiation in response.context["overdue"]] == ["Our price"]


def test_the_clients_page_filters_by_owner_and_keeps_the_valid_filters(page_for, make_user):
    manager = page_for(roles.SALES_MANAGERS)
    seller = make_user(roles.SALES)
    ClientFactory(name="Ours", owner=seller, kind="partner")
    ClientFactory(name="Other", owner=make_user(roles.SALES), kind="partner")

    by_owner = manager.get(reverse("crm:clients"), {"owner": seller.pk})
    stale = manager.get(reverse("crm:clients"), {"owner": seller.pk, "kind": "alien"})

    assert [client.name for client in by_owner.context["page"].object_list] == ["Ours"]
    assert [client.name for client in stale.context["page"].object_list] == ["Ours"]
    assert "kind" in stale.context["form"].errors


def test_an_owner_negotiates_on_the_client_page_from_question_to_agreement(page_for):
    from crm.models import Negotiation

    seller = page_for(roles.SALES)
    contract, _ = contract_sign(
        lead=qualified_lead(seller.user),
        user=seller.user,
        data=contract_data("K-3"),
        clauses=[{"ref": "4.2", "text": "Delivery"}],
    )
    client_page = reverse("crm:client", args=[contract.client_id])

    opened = seller.post(
        reverse("crm:negotiation-new", args=[contract.client_id]),
        {
            "question": "Winter delivery?",
            "contract": contract.pk,
            "clause_ref": "4.2",
            "deadline": "2030-01-01T10:00",
        },
    )
    negotiation = Negotiation.objects.get()
    said = seller.post(
        reverse("crm:negotiation-entry", args=[negotiation.pk]),
        {"party": "client", "kind": "position", "text": "20 days"},
    )
    closed = seller.post(
        reverse("crm:negotiation-close", args=[negotiation.pk]),
        {"outcome": "agreed", "agreement": "15 days in winter"},
    )
    page = seller.get(client_page).content.decode()

    assert opened.status_code == said.status_code == closed.status_code == 302
    negotiation.refresh_from_db()
    assert (negotiation.clause_ref, negotiation.outcome) == ("4.2", "agreed")
    assert list(negotiation.entries.values_list("text", flat=True)) == ["20 days"]
    assert "15 days in winter" in page


def test_an_agreement_without_text_is_refused_and_the_negotiation_stays_open(page_for):
    from crm.models import Negotiation

    seller = page_for(roles.SALES)
    client = ClientFactory(owner=seller.user)
    negotiation = Negotiation.objects.create(
        client=client, question="Price", deadline="2030-01-01T00:00:00Z"
    )

    seller.post(reverse("crm:negotiation-close", args=[negotiation.pk]), {"outcome": "agreed"})

    negotiation.refresh_from_db()
    assert negotiation.outcome == ""


def test_nobody_negotiates_with_a_client_they_do_not_see(page_for, make_user):
    from crm.models import Negotiation

    other = ClientFactory(owner=make_user(roles.SALES))
    negotiation = Negotiation.objects.create(
        client=other, question="Price", deadline="2030-01-01T00:00:00Z"
    )
    seller = page_for(roles.SALES)

    opened = seller.get(reverse("crm:negotiation-new", args=[other.pk]))
    said = seller.post(
        reverse("crm:negotiation-entry", args=[negotiation.pk]),
        {"party": "ours", "kind": "position", "text": "No"},
    )

    assert (opened.status_code, said.status_code) == (404, 404)
    assert not negotiation.entries.exists()
