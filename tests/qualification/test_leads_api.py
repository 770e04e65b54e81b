"""GET /api/v1/leads/ and /api/v1/leads/{id}/: visibility per role, filters, pagination."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portrait import roles
from qualification.models import DuplicateCandidate, Lead, LeadIdentity
from tests.qualification.factories import LeadFactory, LeadSourceFactory

LIST_URL = reverse("v1:lead-list")


def detail_url(lead) -> str:
    return reverse("v1:lead-detail", args=[lead.pk])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def leads(make_user):
    """One unassigned lead, one owned by ``mine`` (a salesperson), one by someone else."""
    mine = make_user(roles.SALES)
    other = make_user(roles.SALES)
    return {
        "mine_user": mine,
        "unassigned": LeadFactory(source="erp"),
        "mine": LeadFactory(source="erp", owner=mine),
        "others": LeadFactory(source="web", owner=other),
    }


@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES_MANAGERS, roles.TECHNICAL])
def test_roles_that_see_all_leads(client_for, leads, role):
    response = client_for(role).get(LIST_URL)
    assert response.status_code == 200
    assert ids(response) == [leads["others"].pk, leads["mine"].pk, leads["unassigned"].pk]


def test_sales_see_unassigned_and_own(api_client, leads):
    api_client.force_authenticate(leads["mine_user"])
    response = api_client.get(LIST_URL)
    assert ids(response) == [leads["mine"].pk, leads["unassigned"].pk]
    assert api_client.get(detail_url(leads["others"])).status_code == 404
    assert api_client.get(detail_url(leads["mine"])).status_code == 200


def test_integrations_see_leads_of_their_sources_only(client_for, leads):
    client = client_for(roles.INTEGRATIONS)
    LeadSourceFactory(name="web", accounts=[client.user])
    assert ids(client.get(LIST_URL)) == [leads["others"].pk]
    assert client.get(detail_url(leads["unassigned"])).status_code == 404


def test_user_without_a_role_is_refused(client_for, leads):
    response = client_for().get(LIST_URL)
    assert response.status_code == 403


def test_anonymous_is_401(api_client, leads):
    assert api_client.get(LIST_URL).status_code == 401


def test_detail_renders_lead_identities_owner_and_evaluation(client_for, leads):
    lead = leads["mine"]
    LeadIdentity.objects.create(lead=lead, source="web", external_id="w-1")
    response = client_for(roles.ADMINS).get(detail_url(lead))
    assert response.status_code == 200
    body = response.json()
    assert body["identities"] == [
        {"source": "erp", "external_id": lead.external_id},
        {"source": "web", "external_id": "w-1"},
    ]
    assert body["owner"] == {"id": leads["mine_user"].pk, "username": leads["mine_user"].username}
    assert body["evaluation"] == {
        "portrait_version": None,
        "segment": None,
        "fit_score": None,
        "suggested_verdict": None,
        "exclusions_hit": [],
    }
    assert body["explanation"] is None
    assert body["decision"] is None
    assert body["country"] == "UA"
    assert body["stage"] == "new"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "qualified"}, ["qualified"]),
        ({"suggested_verdict": "interesting"}, ["interesting"]),
        ({"source": "web"}, ["web", "merged-web"]),
        ({"q": "WEB"}, ["web", "merged-web"]),
    ],
)
def test_filters(client_for, query, expected):
    LeadFactory(company_name="qualified", stage="qualified")
    LeadFactory(company_name="interesting", suggested_verdict="interesting")
    LeadFactory(company_name="web", source="web")
    merged = LeadFactory(company_name="merged-web")
    LeadIdentity.objects.create(lead=merged, source="web", external_id="old")
    response = client_for(roles.ADMINS).get(LIST_URL, query)
    assert response.status_code == 200
    assert sorted(row["company_name"] for row in response.json()["results"]) == sorted(expected)


def test_filter_by_owner_and_segment(client_for, leads):
    client = client_for(roles.ADMINS)
    response = client.get(LIST_URL, {"owner": leads["mine_user"].pk})
    assert ids(response) == [leads["mine"].pk]
    assert ids(client.get(LIST_URL, {"segment": 999})) == []


def test_updated_since_pulls_changes_oldest_first(client_for):
    old, new = LeadFactory(), LeadFactory()
    base = timezone.now()
    Lead.objects.filter(pk=old.pk).update(updated_at=base - datetime.timedelta(days=2))
    Lead.objects.filter(pk=new.pk).update(updated_at=base - datetime.timedelta(hours=1))
    newer = LeadFactory()
    since = (base - datetime.timedelta(days=1)).isoformat()
    response = client_for(roles.ADMINS).get(LIST_URL, {"updated_since": since})
    assert ids(response) == [new.pk, newer.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"stage": "pondering"}, "stage"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_invalid_filter_is_400_naming_the_field(client_for, query, field):
    response = client_for(roles.ADMINS).get(LIST_URL, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_cursor_pagination_is_stable_while_leads_arrive(client_for):
    first_batch = LeadFactory.create_batch(5)
    client = client_for(roles.ADMINS)
    page = client.get(LIST_URL, {"page_size": 2}).json()
    assert ids_of(page) == [first_batch[4].pk, first_batch[3].pk]
    LeadFactory.create_batch(3)  # newer leads do not shift the pages already cursored
    page = client.get(page["next"]).json()
    assert ids_of(page) == [first_batch[2].pk, first_batch[1].pk]
    page = client.get(page["next"]).json()
    assert ids_of(page) == [first_batch[0].pk]
    assert page["next"] is None


def ids_of(page) -> list[int]:
    return [row["id"] for row in page["results"]]


@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES, roles.INTEGRATIONS])
def test_list_query_count_does_not_grow_with_page_size(client_for, role, django_assert_num_queries):
    client = client_for(role)
    LeadSourceFactory(name="erp", accounts=[client.user])
    owner = client.user if role == roles.SALES else None
    for index in range(12):
        lead = LeadFactory(source="erp", owner=owner)
        LeadIdentity.objects.create(lead=lead, source="other", external_id=f"o{index}")
    client.get(LIST_URL)  # warm the user's permission cache as a real request would
    with django_assert_num_queries(2):
        small = client.get(LIST_URL, {"page_size": 2})
    with django_assert_num_queries(2):
        large = client.get(LIST_URL, {"page_size": 12})
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12
    assert len(large.json()["results"][0]["identities"]) == 2


# --- admin --------------------------------------------------------------------------


def test_admin_changelist_and_change_page_render(make_user, client):
    admin_user = make_user(roles.ADMINS, is_staff=True)
    lead = LeadFactory()
    client.force_login(admin_user)
    assert client.get(reverse("admin:qualification_lead_changelist")).status_code == 200
    page = client.get(reverse("admin:qualification_lead_change", args=[lead.pk]))
    assert page.status_code == 200
    assert lead.external_id in page.content.decode()


def test_admin_merge_action_needs_the_merge_permission(make_user, client):
    staff = make_user(roles.TECHNICAL, is_staff=True)
    first, second = LeadFactory(), LeadFactory(source="web")
    client.force_login(staff)
    response = client.post(
        reverse("admin:qualification_lead_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 403
    assert Lead.objects.count() == 2


def test_admin_merge_action_merges_into_the_oldest(make_user, client):
    manager = make_user(roles.SALES_MANAGERS, is_staff=True)
    first, second = LeadFactory(), LeadFactory(source="web")
    client.force_login(manager)
    response = client.post(
        reverse("admin:qualification_lead_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert list(Lead.objects.values_list("pk", flat=True)) == [first.pk]
    assert first.identities() == [("erp", first.external_id), ("web", second.external_id)]


def test_admin_merge_action_that_fails_part_way_merges_none(make_user, client):
    manager = make_user(roles.SALES_MANAGERS, is_staff=True)
    first, second = LeadFactory(), LeadFactory(source="web")
    # Stored without validation, as an old row may be: the survivor cannot take it.
    broken = LeadFactory(source="crm", email="not-an-address")
    client.force_login(manager)
    response = client.post(
        reverse("admin:qualification_lead_changelist"),
        {"action": "merge_into_oldest", "_selected_action": [first.pk, second.pk, broken.pk]},
        follow=True,
    )
    assert [str(message) for message in response.context["messages"]] == [
        "Enter a valid email address."
    ]
    assert sorted(Lead.objects.values_list("pk", flat=True)) == [first.pk, second.pk, broken.pk]
    assert first.identities() == [("erp", first.external_id)]
    assert not LeadIdentity.objects.exists()


def test_admin_change_flags_the_possible_duplicates_the_edit_reveals(make_user, client):
    admin_user = make_user(roles.ADMINS, is_staff=True)
    existing = LeadFactory(company_name="Acme", website="acme.example")
    lead = LeadFactory(company_name="Other")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:qualification_lead_change", args=[lead.pk]),
        {
            "company_name": "Acme Group",
            "country": "UA",
            "employees": "50",
            "website": "https://www.acme.example/",
            "attributes": "{}",
            "stage": "new",
            "merged_identities-TOTAL_FORMS": "0",
            "merged_identities-INITIAL_FORMS": "0",
            "merged_identities-MIN_NUM_FORMS": "0",
            "merged_identities-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.website_domain == "acme.example"
    assert list(DuplicateCandidate.objects.values_list("lead_id", "duplicate_of_id", "reason")) == [
        (lead.pk, existing.pk, "website")
    ]
