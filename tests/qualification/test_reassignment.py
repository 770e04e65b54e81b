"""Reassigning a lead: managers give it to a salesperson or back to the pool, recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portrait import roles
from qualification.choices import LeadChange, LeadStage
from qualification.leads.reassignment import lead_reassign
from qualification.models import LeadTransition
from tests.qualification.factories import LeadFactory


def url(lead) -> str:
    return reverse("v1:lead-reassign", args=[lead.pk])


def test_a_manager_gives_a_lead_to_a_salesperson_and_the_change_is_recorded(make_user):
    manager, seller = make_user(roles.SALES_MANAGERS), make_user(roles.SALES)
    lead = LeadFactory()

    lead_reassign(lead=lead, owner=seller, user=manager, note="Her region")

    lead.refresh_from_db()
    assert lead.owner == seller
    record = LeadTransition.objects.get(lead=lead)
    assert (
        record.change,
        record.owner_before,
        record.owner_after,
        record.changed_by,
        record.stage_before,
        record.stage_after,
        record.note,
    ) == (
        LeadChange.REASSIGNED,
        None,
        seller,
        manager,
        LeadStage.NEW,
        LeadStage.NEW,
        "Her region",
    )


def test_a_lead_goes_back_to_the_unassigned_pool(make_user):
    manager, seller = make_user(roles.SALES_MANAGERS), make_user(roles.SALES)
    lead = LeadFactory(owner=seller)

    lead_reassign(lead=lead, owner=None, user=manager)

    lead.refresh_from_db()
    assert lead.owner is None
    assert LeadTransition.objects.get(lead=lead).owner_before == seller


def test_reassigning_to_the_same_owner_records_nothing(make_user):
    manager, seller = make_user(roles.SALES_MANAGERS), make_user(roles.SALES)
    lead = LeadFactory(owner=seller)

    lead_reassign(lead=lead, owner=seller, user=manager)

    assert not LeadTransition.objects.exists()


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.INTEGRATIONS, roles.ADMINS])
def test_only_an_active_salesperson_can_own_a_lead(make_user, role):
    manager = make_user(roles.SALES_MANAGERS)
    lead = LeadFactory()

    with pytest.raises(ValidationError) as refusal:
        lead_reassign(lead=lead, owner=make_user(role), user=manager)

    assert list(refusal.value.message_dict) == ["owner"]
    lead.refresh_from_db()
    assert lead.owner is None
    assert not LeadTransition.objects.exists()


def test_an_inactive_salesperson_cannot_own_a_lead(make_user):
    with pytest.raises(ValidationError):
        lead_reassign(
            lead=LeadFactory(),
            owner=make_user(roles.SALES, is_active=False),
            user=make_user(roles.SALES_MANAGERS),
        )


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL])
def test_who_may_not_reassign_changes_nothing(make_user, role):
    seller = make_user(roles.SALES)
    lead = LeadFactory()

    with pytest.raises(PermissionDenied):
        lead_reassign(lead=lead, owner=seller, user=make_user(role))

    lead.refresh_from_db()
    assert lead.owner is None


def test_the_api_reassigns_and_answers_the_lead(client_for, make_user):
    client, seller = client_for(roles.SALES_MANAGERS), make_user(roles.SALES)
    lead = LeadFactory()

    response = client.post(url(lead), {"owner": seller.pk, "note": "Load"}, format="json")

    assert response.status_code == 200
    assert response.json()["owner"] == {"id": seller.pk, "username": seller.username}
    assert LeadTransition.objects.get(lead=lead).note == "Load"


def test_the_api_names_an_unknown_owner(client_for):
    response = client_for(roles.SALES_MANAGERS).post(
        url(LeadFactory()), {"owner": 999999}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["owner"]


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL, roles.INTEGRATIONS])
def test_the_api_refuses_reassignment_to_other_roles(client_for, make_user, role):
    seller = make_user(roles.SALES)
    lead = LeadFactory()

    response = client_for(role).post(url(lead), {"owner": seller.pk}, format="json")

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.owner is None
