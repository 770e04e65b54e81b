"""A qualified lead that will not sign is marked lost and leaves the active pool."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portrait import roles
from qualification.choices import LeadChange, LeadStage, SuggestedVerdict
from qualification.leads.loss import lead_lose
from qualification.models import LeadTransition, RejectionReason
from tests.qualification.funnel_factories import make_lead, reason


def test_a_salesperson_marks_their_qualified_lead_lost_with_a_reason(make_user):
    seller = make_user(roles.SALES)
    lead = make_lead(stage=LeadStage.QUALIFIED, owner=seller)

    lead_lose(lead=lead, user=seller, reason_code=reason("no_budget"), reason="Froze budgets")

    lead.refresh_from_db()
    assert lead.stage == LeadStage.LOST
    record = LeadTransition.objects.get(lead=lead)
    assert (
        record.change,
        record.stage_before,
        record.stage_after,
        record.reason_code.code,
        record.note,
    ) == (LeadChange.LOST, LeadStage.QUALIFIED, LeadStage.LOST, "no_budget", "Froze budgets")


def test_a_lost_lead_leaves_the_active_pool(make_user):
    from qualification.funnel.figures import active_pool

    seller = make_user(roles.SALES)
    lead = make_lead(
        stage=LeadStage.QUALIFIED, owner=seller, suggested_verdict=SuggestedVerdict.INTERESTING
    )
    assert list(active_pool()) == [lead]

    lead_lose(lead=lead, user=seller, reason_code=reason())

    assert list(active_pool()) == []


def test_a_manager_marks_anyones_lead_lost(make_user):
    lead = make_lead(stage=LeadStage.QUALIFIED, owner=make_user(roles.SALES))

    lead_lose(lead=lead, user=make_user(roles.SALES_MANAGERS), reason_code=reason())

    lead.refresh_from_db()
    assert lead.stage == LeadStage.LOST


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL, roles.ADMINS])
def test_others_may_not_mark_a_lead_lost(make_user, role):
    lead = make_lead(stage=LeadStage.QUALIFIED, owner=make_user(roles.SALES))

    with pytest.raises(PermissionDenied):
        lead_lose(lead=lead, user=make_user(role), reason_code=reason())

    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED
    assert not LeadTransition.objects.exists()


@pytest.mark.parametrize(
    "stage", [LeadStage.NEW, LeadStage.DISQUALIFIED, LeadStage.CONTRACTED, LeadStage.LOST]
)
def test_only_a_qualified_lead_can_be_lost(make_user, stage):
    seller = make_user(roles.SALES)
    lead = make_lead(stage=stage, owner=seller)

    with pytest.raises(ValidationError) as refusal:
        lead_lose(lead=lead, user=seller, reason_code=reason())

    assert list(refusal.value.message_dict) == ["lead"]
    lead.refresh_from_db()
    assert lead.stage == stage


def test_a_loss_needs_an_active_reason_code(make_user):
    seller = make_user(roles.SALES)
    lead = make_lead(stage=LeadStage.QUALIFIED, owner=seller)
    retired = RejectionReason.objects.create(code="old", label="Old", is_active=False)

    for code in (None, retired):
        with pytest.raises(ValidationError) as refusal:
            lead_lose(lead=lead, user=seller, reason_code=code)
        assert list(refusal.value.message_dict) == ["reason_code"]
    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED


def test_the_api_marks_a_lead_lost(client_for):
    from django.urls import reverse

    api = client_for(roles.SALES)
    lead = make_lead(stage=LeadStage.QUALIFIED, owner=api.user)
    reason("no_budget")

    response = api.post(
        reverse("v1:lead-lost", args=[lead.pk]),
        {"reason_code": "no_budget", "reason": "Frozen"},
        format="json",
    )
    unknown = api.post(
        reverse("v1:lead-lost", args=[lead.pk]), {"reason_code": "nope"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["stage"] == "lost"
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["reason_code"]
