"""Decisions: POST /api/v1/leads/{id}/decision/, the history, overrides and who may decide."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from portrait import roles
from qualification.choices import LeadStage, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.forms import DecisionForm
from qualification.models import Decision, Lead, RejectionReason
from tests.qualification.funnel_factories import (
    fresh_permissions,
    make_lead,
    published_portrait,
    reason,
)


def suggested(verdict=SuggestedVerdict.INTERESTING, **fields) -> Lead:
    portrait = published_portrait()
    return make_lead(
        employees=100,
        suggested_verdict=verdict,
        evaluated_portrait=portrait,
        fit_score=100,
        **fields,
    )


def decide_url(lead: Lead) -> str:
    return reverse("v1:lead-decide", args=[lead.pk])


def snapshot(lead: Lead) -> tuple:
    lead.refresh_from_db()
    return (lead.stage, lead.owner_id, Decision.objects.filter(lead=lead).count())


# The service ------------------------------------------------------------------------------


def test_deciding_interesting_qualifies_and_keeps_the_evaluation(make_user):
    user = make_user(roles.SALES)
    lead = suggested()

    decision = lead_decide(lead=lead, user=user, verdict="interesting", reason="Fits")

    lead.refresh_from_db()
    assert lead.stage == LeadStage.QUALIFIED
    assert (decision.decided_by, decision.verdict, decision.reason) == (user, "interesting", "Fits")
    assert decision.evaluated_portrait_id == lead.evaluated_portrait_id
    assert (decision.suggested_verdict, decision.fit_score) == (SuggestedVerdict.INTERESTING, 100)
    assert decision.is_current is True
    assert decision.is_override is False
    assert decision.decided_at is not None


def test_sales_deciding_an_unassigned_lead_takes_it(make_user):
    user = make_user(roles.SALES)
    lead = suggested()

    lead_decide(lead=lead, user=user, verdict="interesting")

    lead.refresh_from_db()
    assert lead.owner == user


def test_a_manager_deciding_another_salespersons_lead_leaves_the_owner(make_user):
    owner, manager = make_user(roles.SALES), make_user(roles.SALES_MANAGERS)
    lead = suggested(owner=owner)

    lead_decide(lead=lead, user=manager, verdict="not_interesting", reason_code=reason())

    assert snapshot(lead) == (LeadStage.DISQUALIFIED, owner.pk, 1)


def test_sales_may_not_decide_another_salespersons_lead(make_user):
    owner, other = make_user(roles.SALES), make_user(roles.SALES)
    lead = suggested(owner=owner)

    with pytest.raises(PermissionDenied):
        lead_decide(lead=lead, user=other, verdict="interesting")

    assert snapshot(lead) == (LeadStage.NEW, owner.pk, 0)


def test_rejecting_a_suggested_interesting_lead_needs_a_reason_code(make_user):
    user = make_user(roles.SALES)
    lead = suggested()

    with pytest.raises(ValidationError) as error:
        lead_decide(lead=lead, user=user, verdict="not_interesting", reason="meh")

    assert list(error.value.message_dict) == ["reason_code"]
    assert snapshot(lead) == (LeadStage.NEW, None, 0)


def test_rejecting_a_suggested_interesting_lead_is_an_override(make_user):
    user = make_user(roles.SALES)
    lead = suggested()

    decision = lead_decide(
        lead=lead, user=user, verdict="not_interesting", reason_code=reason("wrong_size")
    )

    assert decision.is_override is True
    assert decision.reason_code.code == "wrong_size"
    assert snapshot(lead) == (LeadStage.DISQUALIFIED, user.pk, 1)


@pytest.mark.parametrize(
    "verdict", [SuggestedVerdict.NEEDS_REVIEW, SuggestedVerdict.NOT_INTERESTING, None]
)
def test_rejecting_other_suggestions_needs_no_reason_code(make_user, verdict):
    user = make_user(roles.SALES)
    lead = suggested(verdict) if verdict else make_lead(employees=100)

    decision = lead_decide(lead=lead, user=user, verdict="not_interesting")

    assert decision.is_override is False
    assert decision.reason_code is None


def test_a_changed_mind_is_a_new_decision_and_the_old_one_is_kept(make_user):
    user = make_user(roles.SALES)
    lead = suggested()
    first = lead_decide(lead=lead, user=user, verdict="not_interesting", reason_code=reason())

    second = lead_decide(lead=lead, user=user, verdict="interesting", reason="Called back")

    first.refresh_from_db()
    assert (first.is_current, first.superseded_by) == (False, second)
    assert (second.is_current, second.superseded_by) == (True, None)
    assert first.verdict == "not_interesting"
    assert snapshot(lead) == (LeadStage.QUALIFIED, user.pk, 2)


def test_a_retired_reason_code_is_refused(make_user):
    retired = RejectionReason.objects.create(code="retired", label="Old", is_active=False)
    user = make_user(roles.SALES)
    lead = suggested()

    with pytest.raises(ValidationError) as error:
        lead_decide(lead=lead, user=user, verdict="not_interesting", reason_code=retired)

    assert list(error.value.message_dict) == ["reason_code"]


def test_a_contracted_lead_is_no_longer_decided(make_user):
    user = make_user(roles.SALES_MANAGERS)
    lead = suggested(stage=LeadStage.CONTRACTED)

    with pytest.raises(ValidationError):
        lead_decide(lead=lead, user=user, verdict="interesting")

    assert snapshot(lead) == (LeadStage.CONTRACTED, None, 0)


# The endpoint -----------------------------------------------------------------------------


def test_post_decision_records_it(client_for):
    client = client_for(roles.SALES)
    lead = suggested()

    response = client.post(
        decide_url(lead), {"verdict": "interesting", "reason": "Good fit"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["verdict"], body["reason"], body["decided_by"]) == (
        "interesting",
        "Good fit",
        client.user.username,
    )
    assert (body["is_override"], body["is_current"], body["suggested_verdict"]) == (
        False,
        True,
        "interesting",
    )
    assert snapshot(lead) == (LeadStage.QUALIFIED, client.user.pk, 1)


def test_post_override_with_reason_code(client_for):
    client = client_for(roles.SALES)
    lead = suggested()

    response = client.post(
        decide_url(lead),
        {"verdict": "not_interesting", "reason": "Budget frozen", "reason_code": "no_budget"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["is_override"], response.json()["reason_code"]) == (True, "no_budget")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"verdict": "not_interesting", "reason": "no"}, "reason_code"),
        ({"verdict": "not_interesting", "reason_code": "nonsense"}, "reason_code"),
        ({"verdict": "maybe"}, "verdict"),
        ({}, "verdict"),
        ({"verdict": "interesting", "reason": ["not", "text"]}, "reason"),
    ],
)
def test_bad_decisions_are_400_naming_the_field_and_change_nothing(client_for, payload, field):
    client = client_for(roles.SALES)
    lead = suggested()

    response = client.post(decide_url(lead), payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]
    assert snapshot(lead) == (LeadStage.NEW, None, 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.SALES, 201),
        (roles.SALES_MANAGERS, 201),
        (roles.ADMINS, 403),
        (roles.TECHNICAL, 403),
        (roles.INTEGRATIONS, 403),
    ],
)
def test_permission_matrix_on_an_unassigned_lead(client_for, role, status):
    client = client_for(role)
    lead = suggested()

    response = client.post(decide_url(lead), {"verdict": "interesting"}, format="json")

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"
        assert snapshot(lead) == (LeadStage.NEW, None, 0)
    else:
        assert snapshot(lead)[0] == LeadStage.QUALIFIED


@pytest.mark.parametrize(
    ("role", "status"),
    [(roles.SALES, 404), (roles.SALES_MANAGERS, 201), (roles.TECHNICAL, 403)],
)
def test_permission_matrix_on_another_salespersons_lead(client_for, make_user, role, status):
    owner = make_user(roles.SALES)
    client = client_for(role)
    lead = suggested(owner=owner)

    response = client.post(
        decide_url(lead), {"verdict": "not_interesting", "reason_code": "other"}, format="json"
    )

    assert response.status_code == status
    if status != 201:
        assert snapshot(lead) == (LeadStage.NEW, owner.pk, 0)


def test_sales_decide_their_own_lead(client_for):
    client = client_for(roles.SALES)
    lead = suggested(owner=client.user)

    response = client.post(decide_url(lead), {"verdict": "interesting"}, format="json")

    assert response.status_code == 201


def test_anonymous_gets_401_and_nothing_changes(api_client, db):
    lead = suggested()

    response = api_client.post(decide_url(lead), {"verdict": "interesting"}, format="json")

    assert response.status_code == 401
    assert snapshot(lead) == (LeadStage.NEW, None, 0)


def test_unknown_lead_is_404(client_for):
    response = client_for(roles.SALES).post(
        reverse("v1:lead-decide", args=[999999]), {"verdict": "interesting"}, format="json"
    )

    assert response.status_code == 404


def test_decision_history_lists_every_decision_newest_first(client_for, django_assert_num_queries):
    client = client_for(roles.SALES_MANAGERS)
    lead = suggested()
    for verdict, code in [
        ("not_interesting", reason()),
        ("interesting", None),
        ("not_interesting", reason("other")),
        ("interesting", None),
    ]:
        lead_decide(lead=lead, user=client.user, verdict=verdict, reason_code=code)
    url = reverse("v1:lead-decisions", args=[lead.pk])
    fresh_permissions(client)

    # The user's permissions (2), the lead's visibility (1), the page (1).
    with django_assert_num_queries(4):
        response = client.get(url)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["verdict"] for row in results] == [
        "interesting",
        "not_interesting",
        "interesting",
        "not_interesting",
    ]
    assert [row["is_current"] for row in results] == [True, False, False, False]
    assert results[1]["reason_code"] == "other"


def test_decision_history_of_an_invisible_lead_is_404(client_for, make_user):
    lead = suggested(owner=make_user(roles.SALES))

    response = client_for(roles.SALES).get(reverse("v1:lead-decisions", args=[lead.pk]))

    assert response.status_code == 404


def test_rejection_reasons_are_listed_for_salespeople(client_for, django_assert_num_queries):
    RejectionReason.objects.create(code="retired", label="Old", is_active=False)
    client = client_for(roles.SALES)
    fresh_permissions(client)

    # The user's permissions (2) and the page (1), whatever the number of reasons.
    with django_assert_num_queries(3):
        response = client.get(reverse("v1:rejection-reason-list"))

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [
        "other",
        "not_reachable",
        "competitor_client",
        "wrong_size",
        "no_budget",
    ]


def test_rejection_reason_labels_are_shown_translated(client_for):
    # "Interesting" stands for a seeded label: it is already in the catalogues.
    translated = RejectionReason.objects.create(code="keen", label="Interesting")
    client = client_for(roles.SALES)

    with translation.override("uk"):
        response = client.get(reverse("v1:rejection-reason-list"), HTTP_ACCEPT_LANGUAGE="uk")
        choices = dict(DecisionForm().fields["reason_code"].choices)

    rows = {row["code"]: row["label"] for row in response.json()["results"]}
    assert rows["keen"] == "Цікавий"
    assert rows["no_budget"] == "Немає бюджету"
    assert choices[translated.pk] == "Цікавий"
    with translation.override("uk"):
        assert str(translated) == "Цікавий"
    assert str(translated) == "Interesting"


def test_rejection_reasons_are_not_for_integrations(client_for):
    response = client_for(roles.INTEGRATIONS).get(reverse("v1:rejection-reason-list"))

    assert response.status_code == 403


def test_lead_detail_shows_the_current_decision_and_the_explanation(client_for):
    from qualification.evaluation.writes import leads_evaluate

    client = client_for(roles.SALES_MANAGERS)
    published_portrait(segments=[("Large", {"field": "employees", "op": "gte", "value": 50}, 1)])
    lead = make_lead(employees=100)
    leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    lead_decide(lead=lead, user=client.user, verdict="interesting", reason="first")
    lead_decide(lead=lead, user=client.user, verdict="interesting", reason="second")

    body = client.get(reverse("v1:lead-detail", args=[lead.pk])).json()

    assert (body["decision"]["reason"], body["decision"]["is_current"]) == ("second", True)
    assert body["explanation"]["segments"][0]["name"] == "Large"
    assert body["explanation"]["segments"][0]["matched"] is True
