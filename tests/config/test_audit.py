"""Who changed what, and when: the audit trail of people's edits, readable and never edited."""

import pytest
from django.urls import reverse

from portrait import roles
from qualification.choices import SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.models import Lead, LeadSource, SalesPlan
from tests.portrait.factories import PortraitFactory
from tests.qualification.factories import LeadFactory, LeadSourceFactory
from tests.qualification.funnel_factories import SalesPlanFactory


def test_a_draft_edited_through_the_api_names_its_editor(client_for):
    api = client_for(roles.ADMINS)
    draft = PortraitFactory()
    url = reverse("v1:portrait-detail", args=[draft.pk])
    etag = api.get(url)["ETag"]

    response = api.patch(url, {"name": "Sharper"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    latest = draft.history.latest()
    assert (latest.name, latest.history_user, latest.history_type) == ("Sharper", api.user, "~")


def test_a_plan_edit_names_its_editor(client_for):
    api = client_for(roles.SALES_MANAGERS)
    plan = SalesPlanFactory(target_contracts=10)

    api.patch(
        reverse("v1:sales-plan-detail", args=[plan.pk]), {"target_contracts": 12}, format="json"
    )

    changes = plan.history.order_by("history_date")
    assert [(row.target_contracts, row.history_user) for row in changes] == [
        (10, None),
        (12, api.user),
    ]


def test_a_lead_edited_in_the_admin_names_its_editor(make_user, client):
    admin_user = make_user(roles.ADMINS, is_staff=True)
    lead = LeadFactory(company_name="Acme")
    client.force_login(admin_user)

    client.post(
        reverse("admin:qualification_lead_change", args=[lead.pk]),
        {
            "company_name": "Acme Group",
            "attributes": "{}",
            "merged_identities-TOTAL_FORMS": "0",
            "merged_identities-INITIAL_FORMS": "0",
            "merged_identities-MIN_NUM_FORMS": "0",
            "merged_identities-MAX_NUM_FORMS": "1000",
        },
    )

    latest = Lead.objects.get(pk=lead.pk).history.latest()
    assert (latest.company_name, latest.history_user) == ("Acme Group", admin_user)


def test_a_source_granted_to_an_account_is_recorded(make_user):
    integration = make_user(roles.INTEGRATIONS)
    source = LeadSourceFactory(name="erp")

    source.accounts.add(integration)

    latest = LeadSource.objects.get(pk=source.pk).history.latest()
    assert [account.user_id for account in latest.accounts.all()] == [integration.pk]


def test_the_history_is_read_in_the_admin_and_never_reverted(make_user, client):
    manager = make_user(roles.SALES_MANAGERS, is_staff=True)
    plan = SalesPlanFactory()
    plan.target_contracts = 20
    plan.save()
    client.force_login(manager)
    first = plan.history.earliest()

    listed = client.get(reverse("admin:qualification_salesplan_history", args=[plan.pk]))
    revert = client.post(
        reverse("admin:qualification_salesplan_simple_history", args=[plan.pk, first.history_id]),
        {"name": plan.name},
    )

    assert listed.status_code == 200
    # Reverting is switched off: the old version is shown, and nothing changes.
    assert revert.status_code == 200
    assert SalesPlan.objects.get(pk=plan.pk).target_contracts == 20
    assert plan.history.count() == 2


def test_a_decision_keeps_the_lead_and_the_exclusions_it_was_made_on(make_user):
    seller = make_user(roles.SALES)
    lead = LeadFactory(
        company_name="Acme",
        employees=80,
        suggested_verdict=SuggestedVerdict.NOT_INTERESTING,
        exclusions_hit=[7],
    )

    decision = lead_decide(lead=lead, user=seller, verdict="not_interesting")
    Lead.objects.filter(pk=lead.pk).update(employees=5, exclusions_hit=[])

    decision.refresh_from_db()
    assert decision.exclusions_hit == [7]
    assert (decision.lead_snapshot["company_name"], decision.lead_snapshot["employees"]) == (
        "Acme",
        80,
    )


@pytest.mark.parametrize(("roles_held", "status"), [((roles.TECHNICAL,), 200), ((), 403)])
def test_the_history_of_a_lead_is_for_staff_who_may_see_the_lead(
    make_user, client, roles_held, status
):
    client.force_login(make_user(*roles_held, is_staff=True))
    lead = LeadFactory()

    response = client.get(reverse("admin:qualification_lead_history", args=[lead.pk]))

    assert response.status_code == status


def test_stage_2_records_name_who_changed_them(client_for, make_user):
    from crm.models import Client

    api = client_for(roles.SALES_MANAGERS)
    created = api.post(
        reverse("v1:client-list"), {"kind": "partner", "name": "Channel"}, format="json"
    ).json()
    api.patch(reverse("v1:client-detail", args=[created["id"]]), {"hours": "9-17"}, format="json")

    changes = Client.objects.get(pk=created["id"]).history.order_by("history_date")
    assert [(row.hours, row.history_type, row.history_user) for row in changes] == [
        ("", "+", api.user),
        ("9-17", "~", api.user),
    ]


def test_a_webhook_secret_never_reaches_the_history(db):
    from crm.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example/bad-news")

    fields = {field.name for field in endpoint.history.model._meta.fields}
    assert "secret" not in fields
    assert endpoint.history.count() == 1
