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


# --- admin --------------------------------------------------------------------------

CHANGELIST = reverse("admin:qualification_lead_changelist")


def test_the_admin_asks_for_the_new_owner_then_reassigns(make_user, client):
    manager, seller = make_user(roles.SALES_MANAGERS, is_staff=True), make_user(roles.SALES)
    first, second = LeadFactory(), LeadFactory()
    client.force_login(manager)
    chosen = {"action": "reassign", "_selected_action": [first.pk, second.pk]}

    asked = client.post(CHANGELIST, chosen)
    done = client.post(CHANGELIST, {**chosen, "apply": "1", "owner": seller.pk, "note": "Q3"})

    assert asked.status_code == 200
    assert seller.username in asked.content.decode()
    assert done.status_code == 302
    assert set(LeadTransition.objects.values_list("lead", "owner_after", "note")) == {
        (first.pk, seller.pk, "Q3"),
        (second.pk, seller.pk, "Q3"),
    }


def test_technical_staff_have_no_reassign_action(make_user, client):
    client.force_login(make_user(roles.TECHNICAL, is_staff=True))
    lead = LeadFactory()

    response = client.post(
        CHANGELIST,
        {"action": "reassign", "_selected_action": [lead.pk], "apply": "1", "owner": ""},
    )

    # Django offers no action the user lacks: back to the changelist, nothing changed.
    assert response.status_code == 302
    assert not LeadTransition.objects.exists()


def test_the_lead_change_form_cannot_set_stage_or_owner(make_user, client):
    admin_user, seller = make_user(roles.ADMINS, is_staff=True), make_user(roles.SALES)
    lead = LeadFactory(company_name="Acme")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:qualification_lead_change", args=[lead.pk]),
        {
            "company_name": "Acme",
            "attributes": "{}",
            "stage": "contracted",
            "owner": seller.pk,
            "merged_identities-TOTAL_FORMS": "0",
            "merged_identities-INITIAL_FORMS": "0",
            "merged_identities-MIN_NUM_FORMS": "0",
            "merged_identities-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.owner) == (LeadStage.NEW, None)


def test_transitions_are_read_only_in_the_admin(make_user, client):
    manager, seller = make_user(roles.SALES_MANAGERS, is_staff=True), make_user(roles.SALES)
    lead = LeadFactory()
    lead_reassign(lead=lead, owner=seller, user=manager)
    client.force_login(manager)
    record = LeadTransition.objects.get()

    listed = client.get(reverse("admin:qualification_leadtransition_changelist"))
    deleted = client.post(
        reverse("admin:qualification_leadtransition_delete", args=[record.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert deleted.status_code == 403
    assert LeadTransition.objects.filter(pk=record.pk).exists()
