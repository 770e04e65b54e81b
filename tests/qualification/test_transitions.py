"""Every change of a lead's stage or owner is recorded by the service that made it."""

import pytest

from portrait import roles
from qualification.choices import LeadChange, LeadStage, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.leads.merge import lead_merge
from qualification.leads.transitions import lead_transition
from qualification.models import LeadTransition
from tests.qualification.factories import LeadFactory


def test_a_decision_records_the_stage_and_the_owner_it_takes(make_user):
    seller = make_user(roles.SALES)
    lead = LeadFactory(suggested_verdict=SuggestedVerdict.INTERESTING)

    lead_decide(lead=lead, user=seller, verdict="interesting", reason="Fits")

    record = LeadTransition.objects.get(lead=lead)
    assert (
        record.change,
        record.stage_before,
        record.stage_after,
        record.owner_before,
        record.owner_after,
        record.changed_by,
    ) == (LeadChange.DECIDED, LeadStage.NEW, LeadStage.QUALIFIED, None, seller, seller)


def test_the_same_verdict_again_moves_nothing_but_marks_the_lead_changed(make_user):
    seller = make_user(roles.SALES)
    lead = LeadFactory()
    lead_decide(lead=lead, user=seller, verdict="interesting")
    lead.refresh_from_db()
    before = lead.updated_at

    lead_decide(lead=lead, user=seller, verdict="interesting")

    lead.refresh_from_db()
    assert LeadTransition.objects.filter(lead=lead).count() == 1
    assert lead.updated_at > before


def test_a_merge_that_adopts_the_duplicates_decision_records_it(make_user):
    seller = make_user(roles.SALES)
    survivor, duplicate = LeadFactory(), LeadFactory(source="web")
    lead_decide(lead=duplicate, user=seller, verdict="interesting")

    survivor = lead_merge(survivor=survivor, duplicate=duplicate, user=seller)

    record = LeadTransition.objects.get(lead=survivor, change=LeadChange.MERGED)
    assert (record.stage_before, record.stage_after, record.owner_after) == (
        LeadStage.NEW,
        LeadStage.QUALIFIED,
        seller,
    )


def test_a_transition_outside_a_transaction_is_refused(transactional_db):
    lead = LeadFactory()

    with pytest.raises(RuntimeError):
        lead_transition(
            lead=lead, change=LeadChange.REASSIGNED, user=None, stage=LeadStage.QUALIFIED
        )

    lead.refresh_from_db()
    assert lead.stage == LeadStage.NEW
