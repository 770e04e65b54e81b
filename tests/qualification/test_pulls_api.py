"""GET /api/v1/leads/?updated_since=: every change since, merged-away leads as markers."""

import datetime

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from portrait import roles
from qualification.choices import DecisionVerdict, LeadStage
from qualification.decisions.services import lead_decide
from qualification.evaluation import runs, writes
from qualification.leads.loss import lead_lose
from qualification.leads.merge import lead_merge
from qualification.leads.reassignment import lead_reassign
from qualification.models import Lead, LeadIdentity, LeadMerge
from tests.qualification.factories import LeadFactory, LeadSourceFactory
from tests.qualification.funnel_factories import published_portrait, reason

LIST_URL = reverse("v1:lead-list")
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
SINCE = LONG_AGO + datetime.timedelta(days=1)

SMALL_IT = {
    "all": [
        {"field": "employees", "op": "between", "value": [10, 249]},
        {"field": "industry", "op": "startswith", "value": "62"},
    ]
}
LARGE = {"field": "employees", "op": "gte", "value": 250}
SANCTIONED = {"field": "country", "op": "in", "value": ["RU", "BY"]}


def pull(client, since=SINCE, **filters) -> list[dict]:
    """Every item of a pull of changes, page after page."""
    response = client.get(LIST_URL, {"updated_since": since.isoformat(), **filters})
    assert response.status_code == 200, response.json()
    items = []
    while True:
        page = response.json()
        assert page["previous"] is None
        items += page["results"]
        if page["next"] is None:
            return items
        response = client.get(page["next"])
        assert response.status_code == 200, response.json()


def pulled_ids(client, **filters) -> list[int]:
    return [item["id"] for item in pull(client, **filters)]


def every_lead_written_long_ago() -> None:
    Lead.objects.update(updated_at=LONG_AGO)


def marker(merged: Lead, survivor: Lead) -> dict:
    return {
        "id": merged.pk,
        "source": merged.source,
        "external_id": merged.external_id,
        "merged_into": survivor.pk,
        "deleted": True,
    }


# --- what a re-evaluation announces ----------------------------------------------------


def evaluated(leads: list[Lead]) -> dict[int, tuple]:
    return {
        lead.pk: (lead.segment_id, lead.suggested_verdict, lead.fit_score, lead.exclusions_hit)
        for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads])
    }


@pytest.fixture
def evaluated_leads(db):
    published_portrait(
        segments=[("Small IT", SMALL_IT, 10), ("Large", LARGE, 20)],
        exclusions=[("Sanctioned", SANCTIONED)],
    )
    leads = [
        LeadFactory(employees=50, industry="62.01"),  # Small IT
        LeadFactory(employees=500, industry="47.11"),  # Large
        LeadFactory(employees=500, country="RU"),  # excluded
        LeadFactory(employees=5, industry="62.01"),  # half of Small IT
        LeadFactory(employees=5, industry="47.11"),  # nothing
        LeadFactory(employees=None, industry="47.11"),  # lacks employees
    ]
    writes.leads_evaluate(queryset=Lead.objects.all())
    return leads


def test_a_pull_after_a_publish_returns_exactly_the_leads_whose_evaluation_changed(
    client_for, evaluated_leads, django_capture_on_commit_callbacks
):
    before = evaluated(evaluated_leads)
    every_lead_written_long_ago()
    # Large starts at 1000 employees now: the Large lead leaves it, and the leads in a
    # segment or hit by an exclusion get the new version's ids; the others stay.
    newer = published_portrait(
        segments=[("Small IT", SMALL_IT, 10), ("Large", {**LARGE, "value": 1000}, 20)],
        exclusions=[("Sanctioned", SANCTIONED)],
    )

    with django_capture_on_commit_callbacks(execute=True):
        runs.evaluation_run_start(portrait=newer)

    after = evaluated(evaluated_leads)
    changed = [lead.pk for lead in evaluated_leads if after[lead.pk] != before[lead.pk]]
    assert len(changed) == 3
    pulled = pull(client_for(roles.ADMINS))
    assert [item["id"] for item in pulled] == sorted(changed)
    assert {item["evaluation"]["portrait_version"] for item in pulled} == {newer.version}


def test_a_publish_that_changes_no_outcome_announces_nothing(client_for, db):
    published_portrait(segments=[("Small IT", SMALL_IT, 10)])
    LeadFactory(employees=5, industry="47.11")
    LeadFactory(employees=None, industry="62.01")
    writes.leads_evaluate(queryset=Lead.objects.all())
    every_lead_written_long_ago()
    newer = published_portrait(segments=[("Small IT", SMALL_IT, 10)])

    assert runs.evaluation_run_start(portrait=newer) is not None

    assert pull(client_for(roles.ADMINS)) == []
    assert set(Lead.objects.values_list("updated_at", flat=True)) == {LONG_AGO}


# --- what people do to a lead --------------------------------------------------------


def decide(lead, user):
    lead_decide(lead=lead, user=user, verdict=DecisionVerdict.INTERESTING, reason="fits")


def reassign(lead, user):
    lead_reassign(lead=lead, owner=user, user=user)


def lose(lead, user):
    Lead.objects.filter(pk=lead.pk).update(stage=LeadStage.QUALIFIED, owner=user)
    lead_lose(lead=lead, user=user, reason_code=reason())


def decide_again(lead, user):
    decide(lead, user)
    every_lead_written_long_ago()
    decide(lead, user)


@pytest.mark.parametrize("act", [decide, decide_again, reassign, lose])
def test_what_a_person_does_to_a_lead_appears_in_pulls(client_for, make_user, act):
    lead, untouched = LeadFactory(), LeadFactory()
    every_lead_written_long_ago()
    manager = make_user(roles.SALES_MANAGERS)

    act(Lead.objects.get(pk=lead.pk), manager)

    assert pulled_ids(client_for(roles.ADMINS)) == [lead.pk]
    assert untouched.pk not in pulled_ids(client_for(roles.ADMINS))


def test_a_merge_announces_the_survivor_and_a_marker_of_the_merged_lead(client_for, make_user):
    survivor, duplicate, untouched = LeadFactory(), LeadFactory(source="web"), LeadFactory()
    every_lead_written_long_ago()

    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES_MANAGERS))

    pulled = pull(client_for(roles.ADMINS))
    assert [item["id"] for item in pulled] == [survivor.pk, duplicate.pk]
    assert pulled[1] == marker(duplicate, survivor)
    assert pulled[0]["identities"] == [
        {"source": "erp", "external_id": survivor.external_id},
        {"source": "web", "external_id": duplicate.external_id},
    ]
    assert untouched.pk not in [item["id"] for item in pulled]


def test_a_marker_names_the_lead_that_holds_the_identities_now(client_for, make_user):
    first, second, third = LeadFactory(), LeadFactory(), LeadFactory()
    manager = make_user(roles.SALES_MANAGERS)
    lead_merge(survivor=second, duplicate=third, user=manager)
    lead_merge(survivor=first, duplicate=second, user=manager)

    markers = [item for item in pull(client_for(roles.ADMINS)) if item.get("deleted")]

    assert markers == [marker(third, first), marker(second, first)]


def test_markers_only_come_with_updated_since(client_for, make_user):
    survivor, duplicate = LeadFactory(), LeadFactory()
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES_MANAGERS))

    response = client_for(roles.ADMINS).get(LIST_URL)

    assert [item["id"] for item in response.json()["results"]] == [survivor.pk]


def test_a_marker_older_than_updated_since_is_not_pulled(client_for, make_user):
    survivor, duplicate = LeadFactory(), LeadFactory()
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES_MANAGERS))
    LeadMerge.objects.update(merged_at=LONG_AGO)
    every_lead_written_long_ago()

    assert pull(client_for(roles.ADMINS)) == []


# --- who sees a marker ---------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES_MANAGERS, roles.TECHNICAL])
def test_roles_that_see_every_lead_see_every_marker(client_for, make_user, role):
    seller = make_user(roles.SALES)
    survivor, duplicate = LeadFactory(owner=seller), LeadFactory(owner=seller, source="web")
    lead_merge(survivor=survivor, duplicate=duplicate, user=seller)

    assert marker(duplicate, survivor) in pull(client_for(role))


def test_integrations_see_the_markers_of_their_sources_leads_only(client_for, make_user):
    client = client_for(roles.INTEGRATIONS)
    LeadSourceFactory(name="web", accounts=[client.user])
    manager = make_user(roles.SALES_MANAGERS)
    web_survivor, web_duplicate = LeadFactory(source="web"), LeadFactory(source="web")
    erp_survivor, erp_duplicate = LeadFactory(), LeadFactory()
    # Merged into a lead of another source: its identity went with it.
    into_erp = LeadFactory(source="web")
    lead_merge(survivor=web_survivor, duplicate=web_duplicate, user=manager)
    lead_merge(survivor=erp_survivor, duplicate=erp_duplicate, user=manager)
    lead_merge(survivor=erp_survivor, duplicate=into_erp, user=manager)

    markers = [item for item in pull(client) if item.get("deleted")]

    assert markers == [marker(web_duplicate, web_survivor), marker(into_erp, erp_survivor)]


def test_sales_see_markers_of_unassigned_and_own_leads_only(client_for, make_user):
    client = client_for(roles.SALES)
    other = make_user(roles.SALES)
    manager = make_user(roles.SALES_MANAGERS)
    others_survivor = LeadFactory(owner=other)
    unassigned, own, others = (
        LeadFactory(),
        LeadFactory(owner=client.user),
        LeadFactory(owner=other),
    )
    for duplicate in (unassigned, own, others):
        lead_merge(
            survivor=Lead.objects.get(pk=others_survivor.pk), duplicate=duplicate, user=manager
        )

    markers = [item for item in pull(client) if item.get("deleted")]

    assert markers == [marker(unassigned, others_survivor), marker(own, others_survivor)]


def test_a_user_without_a_role_gets_no_markers(client_for, make_user):
    survivor, duplicate = LeadFactory(), LeadFactory()
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES_MANAGERS))

    response = client_for().get(LIST_URL, {"updated_since": SINCE.isoformat()})

    assert response.status_code == 403


def test_the_source_filter_keeps_the_markers_of_leads_known_in_that_source(client_for, make_user):
    manager = make_user(roles.SALES_MANAGERS)
    erp_survivor, web_duplicate = LeadFactory(), LeadFactory(source="web")
    crm_survivor, crm_duplicate = LeadFactory(source="crm"), LeadFactory(source="crm")
    # Known in web by an identity it took over itself: it leaves it to its survivor.
    LeadIdentity.objects.create(lead=crm_duplicate, source="web", external_id="w-9")
    other_survivor, other_duplicate = LeadFactory(source="crm"), LeadFactory(source="crm")
    lead_merge(survivor=erp_survivor, duplicate=web_duplicate, user=manager)
    lead_merge(survivor=crm_survivor, duplicate=crm_duplicate, user=manager)
    lead_merge(survivor=other_survivor, duplicate=other_duplicate, user=manager)

    markers = [item for item in pull(client_for(roles.ADMINS), source="web") if item.get("deleted")]

    assert markers == [marker(web_duplicate, erp_survivor), marker(crm_duplicate, crm_survivor)]


# --- paging ------------------------------------------------------------------------------


@pytest.fixture
def changes(make_user):
    """Eight leads and four markers, their changes at known times, two of them tied."""
    manager = make_user(roles.SALES_MANAGERS)
    leads = LeadFactory.create_batch(12)
    for survivor, duplicate in zip(leads[:4], leads[8:], strict=True):
        lead_merge(survivor=survivor, duplicate=duplicate, user=manager)
    moments = [SINCE + datetime.timedelta(minutes=minute) for minute in (5, 1, 3, 3, 8, 2, 7, 6)]
    for lead, moment in zip(leads[:8], moments, strict=True):
        Lead.objects.filter(pk=lead.pk).update(updated_at=moment)
    merged = [(3, leads[8]), (3, leads[9]), (0, leads[10]), (9, leads[11])]
    for minute, lead in merged:
        LeadMerge.objects.filter(merged_lead_id=lead.pk).update(
            merged_at=SINCE + datetime.timedelta(minutes=minute)
        )
    order = sorted(
        [(moment, lead.pk) for moment, lead in zip(moments, leads[:8], strict=True)]
        + [(SINCE + datetime.timedelta(minutes=minute), lead.pk) for minute, lead in merged]
    )
    return [pk for _moment, pk in order]


@pytest.mark.parametrize("page_size", [1, 2, 5, 12, 50])
def test_a_pull_pages_leads_and_markers_together_in_change_order(client_for, changes, page_size):
    assert pulled_ids(client_for(roles.ADMINS), page_size=page_size) == changes


def test_a_pull_resumed_from_its_cursor_sees_what_changed_meanwhile(client_for, changes):
    client = client_for(roles.ADMINS)
    first = client.get(LIST_URL, {"updated_since": SINCE.isoformat(), "page_size": 4}).json()
    assert [item["id"] for item in first["results"]] == changes[:4]
    touched = Lead.objects.filter(pk__in=changes[:4]).earliest("updated_at")
    touched.save()  # changed again: it comes again, after the rest

    rest, url = [], first["next"]
    while url:
        page = client.get(url).json()
        rest, url = rest + [item["id"] for item in page["results"]], page["next"]

    assert rest == [*changes[4:], touched.pk]


def test_a_pull_reads_as_many_queries_whatever_the_page_size(
    client_for, changes, django_assert_num_queries
):
    client = client_for(roles.ADMINS)
    query = {"updated_since": SINCE.isoformat()}
    client.get(LIST_URL, query)  # warm the user's permission cache as a real request would
    with django_assert_num_queries(3):
        small = client.get(LIST_URL, {**query, "page_size": 2})
    with django_assert_num_queries(3):
        large = client.get(LIST_URL, {**query, "page_size": 12})
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12


@pytest.mark.parametrize("cursor", ["", "garbage", "MjAyMHwx", "bm90IGEgdGltZXwx"])
def test_an_invalid_pull_cursor_is_a_400_naming_it(client_for, cursor):
    response = client_for(roles.ADMINS).get(
        LIST_URL, {"updated_since": SINCE.isoformat(), "cursor": cursor}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["cursor"]


# --- the schema ----------------------------------------------------------------------


def test_the_schema_describes_a_pulled_item_as_a_lead_or_a_marker():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    page = schema["paths"]["/api/v1/leads/"]["get"]["responses"]["200"]["content"]

    assert page["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedLeadChangeList"
    }
    assert components["PaginatedLeadChangeList"]["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/LeadChange"
    }
    assert components["LeadChange"] == {
        "oneOf": [
            {"$ref": "#/components/schemas/Lead"},
            {"$ref": "#/components/schemas/LeadDeleted"},
        ]
    }
    deleted = components["LeadDeleted"]
    assert sorted(deleted["required"]) == ["deleted", "external_id", "id", "merged_into", "source"]
    assert components["DeletedEnum"]["enum"] == [True]
    assert "merged_into" not in components["Lead"]["properties"]


def test_the_evaluated_version_is_described_as_the_one_that_produced_the_outcome():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    evaluation = schema["components"]["schemas"]["LeadEvaluation"]["properties"]

    assert "same outcome" in evaluation["portrait_version"]["description"]


def test_a_merge_recorded_without_identities_is_judged_by_its_own_key(client_for, make_user):
    client = client_for(roles.INTEGRATIONS)
    LeadSourceFactory(name="web", accounts=[client.user])
    survivor, duplicate = LeadFactory(source="web"), LeadFactory(source="web")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES_MANAGERS))
    record = LeadMerge.objects.get()
    record.merged_snapshot.pop("identities")
    record.save()

    assert marker(duplicate, survivor) in pull(client)
    assert [item["id"] for item in pull(client, source="erp")] == []
