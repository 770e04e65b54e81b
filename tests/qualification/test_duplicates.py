"""Possible duplicates across sources: flagged on arrival, merged by sales."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from portrait import roles
from qualification.decisions.services import lead_decide
from qualification.leads.duplicates import MAX_LEADS_SHARING_A_KEY
from qualification.leads.merge import lead_merge
from qualification.leads.services import lead_save
from qualification.models import Decision, DuplicateCandidate, Lead, LeadIdentity, LeadMerge
from qualification.sync.upsert import leads_bulk_upsert
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait
from tests.threads import in_own_connection


def pushed(source: str, external_id: str, **fields) -> Lead:
    item = {"external_id": external_id, "updated_at": "2025-03-01T00:00:00Z", **fields}
    report = leads_bulk_upsert(source=source, items=[item])
    assert report["errors"] == []
    own = Q(source=source, external_id=external_id)
    merged = Q(merged_identities__source=source, merged_identities__external_id=external_id)
    return Lead.objects.get(own | merged)


def pairs() -> set[tuple[int, int, str]]:
    return set(DuplicateCandidate.objects.values_list("lead_id", "duplicate_of_id", "reason"))


def test_same_website_domain_is_flagged(db):
    first = pushed("erp", "1", company_name="Acme", website="https://www.acme.example/")
    second = pushed("web", "a", company_name="ACME Group", website="acme.example/contact")
    assert pairs() == {(second.pk, first.pk, "website")}


def test_same_company_email_domain_is_flagged_but_free_mail_is_not(db):
    first = pushed("erp", "1", company_name="One", email="anna@acme.example")
    second = pushed("web", "a", company_name="Two", email="bob@ACME.example")
    pushed("erp", "2", company_name="Three", email="x@gmail.com")
    pushed("web", "b", company_name="Four", email="y@gmail.com")
    assert pairs() == {(second.pk, first.pk, "email")}


def test_same_normalised_name_in_the_same_country_is_flagged(db):
    first = pushed("erp", "1", company_name="Acme, LLC", country="UA")
    second = pushed("web", "a", company_name="ACME llc.", country="UA")
    pushed("web", "b", company_name="Acme Ltd", country="PL")
    assert pairs() == {(second.pk, first.pk, "name")}


def test_a_domain_shared_by_many_leads_identifies_no_company(db):
    sharing = MAX_LEADS_SHARING_A_KEY + 1
    leads_bulk_upsert(
        source="erp",
        items=[
            {
                "external_id": str(index),
                "company_name": f"Tenant {index}",
                "email": f"office{index}@hosting.example",
            }
            for index in range(sharing)
        ],
    )
    assert pairs() == set()


def test_a_name_shared_by_many_leads_in_another_country_still_flags_a_pair(db):
    leads_bulk_upsert(
        source="erp",
        items=[
            {"external_id": f"pl{index}", "company_name": "Acme", "country": "PL"}
            for index in range(MAX_LEADS_SHARING_A_KEY + 1)
        ],
    )
    first = pushed("erp", "ua1", company_name="Acme", country="UA")
    second = pushed("erp", "ua2", company_name="ACME", country="UA")
    assert pairs() == {(second.pk, first.pk, "name")}


def test_a_domain_shared_by_a_few_leads_flags_every_pair(db):
    leads_bulk_upsert(
        source="erp",
        items=[
            {
                "external_id": str(index),
                "company_name": f"Branch {index}",
                "email": f"office{index}@group.example",
            }
            for index in range(3)
        ],
    )
    ids = sorted(Lead.objects.values_list("id", flat=True))
    assert pairs() == {
        (ids[1], ids[0], "email"),
        (ids[2], ids[0], "email"),
        (ids[2], ids[1], "email"),
    }


def test_a_batch_flags_new_leads_sharing_keys_with_stored_leads_and_with_each_other(db):
    stored = pushed("erp", "1", company_name="Acme", website="acme.example")
    leads_bulk_upsert(
        source="web",
        items=[
            {"external_id": "a", "company_name": "Acme site", "website": "www.acme.example"},
            {"external_id": "b", "company_name": "Beta", "country": "UA"},
            {"external_id": "c", "company_name": "BETA", "country": "UA"},
            {"external_id": "d", "company_name": "Beta", "country": "PL"},
            {"external_id": "e", "company_name": "Unique", "website": "unique.example"},
        ],
    )
    ids = dict(Lead.objects.filter(source="web").values_list("external_id", "id"))
    assert pairs() == {(ids["a"], stored.pk, "website"), (ids["c"], ids["b"], "name")}


def test_a_batch_flags_a_new_lead_that_an_updated_lead_now_shares_a_key_with(db):
    stored = pushed("erp", "1", company_name="Old name", website="old.example")
    leads_bulk_upsert(
        source="erp",
        items=[
            {
                "external_id": "1",
                "company_name": "Old name",
                "website": "acme.example",
                "updated_at": "2025-04-01T00:00:00Z",
            },
            {"external_id": "2", "company_name": "Acme", "website": "https://acme.example"},
        ],
    )
    new = Lead.objects.get(source="erp", external_id="2")
    assert pairs() == {(new.pk, stored.pk, "website")}


def test_a_lead_saved_by_hand_gets_its_evaluation_and_duplicates(db):
    published_portrait(segments=[("Any", {"field": "employees", "op": "gte", "value": 1}, 1)])
    existing = pushed("erp", "1", company_name="Acme", email="anna@acme.example")

    lead = lead_save(
        lead=Lead(source="form", external_id="f1", company_name="Beta", email="bob@acme.example")
    )

    assert lead.identities() == [("form", "f1")]
    assert lead.suggested_verdict == "needs_review"
    assert pairs() == {(lead.pk, existing.pk, "email")}


def test_saving_other_fields_leaves_the_keys_as_stored(db):
    lead = LeadFactory(website="old.example")
    # Changed meanwhile by someone else: this instance's website is stale.
    Lead.objects.filter(pk=lead.pk).update(website="new.example", website_domain="new.example")
    lead.stage = "qualified"
    lead.save(update_fields=["stage"])
    assert Lead.objects.values_list("stage", "website", "website_domain").get(pk=lead.pk) == (
        "qualified",
        "new.example",
        "new.example",
    )


@pytest.mark.parametrize("field", ["website", "email", "company_name", "country"])
def test_saving_a_field_a_key_derives_from_updates_the_keys(db, field):
    lead = LeadFactory(company_name="Old", website="old.example", email="a@old.example")
    values = {
        "website": "new.example",
        "email": "a@new.example",
        "company_name": "New",
        "country": "pl",
    }
    Lead.objects.filter(pk=lead.pk).update(website_domain=None, email_domain=None, name_key=None)
    setattr(lead, field, values[field])
    lead.save(update_fields=[field])
    stored = Lead.objects.values_list("country", "website_domain", "email_domain", "name_key").get(
        pk=lead.pk
    )
    assert stored == (
        "PL" if field == "country" else "UA",
        "new.example" if field == "website" else "old.example",
        "new.example" if field == "email" else "old.example",
        "new" if field == "company_name" else "old",
    )


def test_replaying_flags_nothing_twice(db):
    pushed("erp", "1", company_name="Acme", website="acme.example")
    pushed("web", "a", company_name="Acme", website="acme.example", country="UA")
    leads_bulk_upsert(
        source="web",
        items=[
            {
                "external_id": "a",
                "company_name": "Acme",
                "website": "acme.example",
                "country": "PL",
                "updated_at": "2025-03-02T00:00:00Z",
            }
        ],
    )
    assert DuplicateCandidate.objects.count() == 1


def test_merge_keeps_identities_decisions_and_fills_gaps(make_user):
    salesperson = make_user(roles.SALES)
    survivor = pushed("erp", "1", company_name="Acme", website="acme.example")
    duplicate = pushed(
        "web", "a", company_name="Acme", website="acme.example", phone="+380 44 123 45 67"
    )
    Decision.objects.create(lead=survivor, verdict="interesting", decided_by=salesperson)
    Decision.objects.create(lead=duplicate, verdict="not_interesting", decided_by=salesperson)

    lead_merge(survivor=survivor, duplicate=duplicate, user=salesperson)

    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    survivor.refresh_from_db()
    assert survivor.phone == "+380 44 123 45 67"
    assert survivor.identities() == [("erp", "1"), ("web", "a")]
    assert list(LeadIdentity.objects.values_list("lead", "source", "external_id")) == [
        (survivor.pk, "web", "a")
    ]
    assert sorted(survivor.decisions.values_list("verdict", "is_current")) == [
        ("interesting", True),
        ("not_interesting", False),
    ]
    merge = LeadMerge.objects.get()
    assert (merge.survivor, merge.merged_lead_id, merge.merged_by) == (
        survivor,
        duplicate.pk,
        salesperson,
    )
    assert merge.merged_snapshot["external_id"] == "a"
    assert DuplicateCandidate.objects.count() == 0


def test_a_lead_saved_by_hand_cannot_take_a_key_a_merge_moved_to_another(make_user):
    survivor = pushed("erp", "1", company_name="Acme", website="acme.example")
    duplicate = pushed("web", "a", company_name="Acme", website="acme.example")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))

    with pytest.raises(ValidationError) as refused:
        lead_save(lead=Lead(source="web", external_id="a", company_name="Acme again"))

    assert list(refused.value.message_dict) == ["external_id"]
    assert list(Lead.objects.values_list("pk", flat=True)) == [survivor.pk]


def test_a_lead_holding_a_key_a_merge_moved_elsewhere_can_still_be_edited(make_user):
    # Possible before migration 0006: the key both the lead's own and a merged identity.
    survivor = pushed("erp", "1", company_name="Acme", website="acme.example")
    duplicate = pushed("web", "a", company_name="Acme", website="acme.example")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))
    older = LeadFactory(source="web", external_id="a", company_name="Acme again")

    older.employees = 75
    lead_save(lead=older)

    assert Lead.objects.get(pk=older.pk).employees == 75


def test_merge_takes_a_duplicate_whose_own_key_an_older_release_also_stored(make_user):
    survivor = pushed("erp", "1", company_name="Acme", website="acme.example")
    duplicate = pushed("web", "a", company_name="Acme", website="acme.example")
    LeadIdentity.objects.create(lead=duplicate, source="web", external_id="a")
    assert duplicate.identities() == [("web", "a")]

    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))

    assert Lead.objects.get(pk=survivor.pk).identities() == [("erp", "1"), ("web", "a")]


def test_later_push_of_the_merged_identity_updates_the_survivor(make_user):
    survivor = pushed("erp", "1", company_name="Acme", website="acme.example")
    duplicate = pushed("web", "a", company_name="Acme", website="acme.example")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))
    report = leads_bulk_upsert(
        source="web",
        items=[
            {
                "external_id": "a",
                "company_name": "Acme",
                "employees": 77,
                "updated_at": "2025-04-01T00:00:00Z",
            }
        ],
    )
    assert report == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert Lead.objects.count() == 1
    assert Lead.objects.get().employees == 77


def test_push_of_a_merged_identity_evaluates_the_survivor_with_its_own_source(make_user):
    portrait = published_portrait(
        segments=[("From the ERP", {"field": "source", "op": "eq", "value": "erp"}, 1)]
    )
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("web", "a", company_name="Acme")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))
    pushed("web", "a", company_name="Acme", employees=12, updated_at="2025-04-01T00:00:00Z")

    survivor.refresh_from_db()
    assert (survivor.source, survivor.employees, survivor.segment) == (
        "erp",
        12,
        portrait.segments.get(),
    )


def test_chained_merges_keep_every_merge_record(make_user):
    salesperson = make_user(roles.SALES)
    first = pushed("erp", "1", company_name="Acme")
    second = pushed("web", "a", company_name="Acme")
    third = pushed("crm", "x", company_name="Acme")

    lead_merge(survivor=second, duplicate=first, user=salesperson)
    lead_merge(survivor=third, duplicate=second, user=salesperson)

    assert sorted(LeadMerge.objects.values_list("survivor_id", "merged_lead_id")) == [
        (third.pk, first.pk),
        (third.pk, second.pk),
    ]


def test_merge_re_evaluates_the_survivor_with_the_fields_it_took(make_user):
    portrait = published_portrait(
        segments=[("Large", {"field": "employees", "op": "gte", "value": 250}, 1)]
    )
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("web", "a", company_name="Acme", employees=300)
    assert survivor.suggested_verdict == "needs_review"

    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))

    survivor.refresh_from_db()
    assert (survivor.employees, survivor.suggested_verdict, survivor.segment) == (
        300,
        "interesting",
        portrait.segments.get(),
    )


def test_merge_adopts_the_stage_of_the_duplicates_decision_when_only_it_was_decided(make_user):
    salesperson = make_user(roles.SALES)
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("web", "a", company_name="Acme")
    lead_decide(lead=duplicate, user=salesperson, verdict="interesting")

    returned = lead_merge(survivor=survivor, duplicate=duplicate, user=salesperson)

    survivor.refresh_from_db()
    assert (returned.stage, survivor.stage) == ("qualified", "qualified")
    assert list(survivor.decisions.values_list("verdict", "is_current")) == [("interesting", True)]


def test_merge_keeps_the_survivors_stage_when_both_were_decided(make_user):
    salesperson = make_user(roles.SALES)
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("web", "a", company_name="Acme")
    lead_decide(lead=survivor, user=salesperson, verdict="interesting")
    lead_decide(lead=duplicate, user=salesperson, verdict="not_interesting")

    lead_merge(survivor=survivor, duplicate=duplicate, user=salesperson)

    survivor.refresh_from_db()
    assert survivor.stage == "qualified"


def test_merge_flags_the_duplicates_the_survivor_has_through_the_fields_it_took(make_user):
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("web", "a", company_name="Acme", website="acme.example")
    other = pushed("crm", "x", company_name="Acme Holding", website="https://acme.example/")

    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))

    assert pairs() == {(other.pk, survivor.pk, "website")}


@pytest.mark.parametrize(
    ("first_at", "second_at", "employees"),
    [
        ("2025-04-02T00:00:00Z", "2025-04-01T00:00:00Z", 1),
        ("2025-04-01T00:00:00Z", "2025-04-02T00:00:00Z", 2),
        (None, "2025-04-02T00:00:00Z", 1),
        ("2025-04-02T00:00:00Z", None, 2),
        (None, None, 2),
    ],
)
def test_two_merged_identities_in_one_batch_the_newest_wins_and_a_missing_time_is_newest(
    make_user, first_at, second_at, employees
):
    survivor = pushed("erp", "1", company_name="Acme")
    duplicate = pushed("erp", "2", company_name="Acme")
    lead_merge(survivor=survivor, duplicate=duplicate, user=make_user(roles.SALES))
    report = leads_bulk_upsert(
        source="erp",
        items=[
            {"external_id": "1", "employees": 1, "updated_at": first_at},
            {"external_id": "2", "employees": 2, "updated_at": second_at},
        ],
    )
    assert report == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    assert list(Lead.objects.values_list("pk", "employees")) == [(survivor.pk, employees)]


def test_merging_a_lead_into_itself_is_refused(make_user):
    lead = LeadFactory()
    with pytest.raises(Exception, match="cannot be merged into itself"):
        lead_merge(survivor=lead, duplicate=lead, user=make_user(roles.SALES))


# --- the endpoints ------------------------------------------------------------------


def merge_url(lead) -> str:
    return reverse("v1:lead-merge", args=[lead.pk])


@pytest.mark.parametrize("role", [roles.SALES, roles.SALES_MANAGERS, roles.ADMINS])
def test_roles_with_merge_permission_merge(client_for, role):
    survivor, duplicate = LeadFactory(), LeadFactory(source="web")
    client = client_for(role)
    response = client.post(merge_url(survivor), {"duplicate": duplicate.pk}, format="json")
    assert response.status_code == 200
    assert sorted(row["source"] for row in response.json()["identities"]) == ["erp", "web"]
    assert list(Lead.objects.values_list("pk", flat=True)) == [survivor.pk]


@pytest.mark.parametrize("role", [roles.TECHNICAL, roles.INTEGRATIONS])
def test_roles_without_merge_permission_are_refused_and_nothing_changes(client_for, role):
    survivor, duplicate = LeadFactory(), LeadFactory(source="web")
    response = client_for(role).post(
        merge_url(survivor), {"duplicate": duplicate.pk}, format="json"
    )
    assert response.status_code == 403
    assert Lead.objects.count() == 2
    assert not LeadIdentity.objects.exists()


def test_sales_cannot_merge_a_lead_they_cannot_see(client_for, make_user):
    client = client_for(roles.SALES)
    survivor = LeadFactory()
    someone_elses = LeadFactory(owner=make_user(roles.SALES))
    response = client.post(merge_url(survivor), {"duplicate": someone_elses.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"duplicate": ["No such lead."]}
    response = client.post(merge_url(someone_elses), {"duplicate": survivor.pk}, format="json")
    assert response.status_code == 404
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"duplicate": ["This field is required."]}),
        ({"duplicate": "x"}, {"duplicate": ["A valid integer is required."]}),
    ],
)
def test_bad_merge_body_is_400(client_for, body, errors):
    lead = LeadFactory()
    response = client_for(roles.SALES_MANAGERS).post(merge_url(lead), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_merge_into_itself_is_400(client_for):
    lead = LeadFactory()
    response = client_for(roles.SALES_MANAGERS).post(
        merge_url(lead), {"duplicate": lead.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"duplicate": ["A lead cannot be merged into itself."]}


def test_duplicates_endpoint_lists_candidates_with_reasons(client_for):
    first = pushed("erp", "1", company_name="Acme", website="acme.example", country="UA")
    second = pushed("web", "a", company_name="Acme", website="acme.example", country="UA")
    pushed("web", "b", company_name="Other", country="UA")
    response = client_for(roles.SALES_MANAGERS).get(reverse("v1:lead-duplicates", args=[first.pk]))
    assert response.status_code == 200
    body = response.json()
    assert [(row["lead"]["id"], row["reasons"]) for row in body] == [
        (second.pk, ["name", "website"])
    ]


@pytest.mark.postgres
def test_a_lead_another_batch_commits_while_this_one_writes_is_still_flagged(
    transactional_db, monkeypatch
):
    # The flagging runs after the write, so it sees what other batches committed until then.
    from qualification.sync import staging

    real_staged_rows = staging.staged_rows
    about_to_insert, other_committed = threading.Event(), threading.Event()

    def staged_rows(rules, *, table, where, alias):
        if where == "lead_id IS NULL" and not about_to_insert.is_set():
            about_to_insert.set()
            other_committed.wait(timeout=10)
        return real_staged_rows(rules, table=table, where=where, alias=alias)

    monkeypatch.setattr(staging, "staged_rows", staged_rows)

    def push_first():
        pushed("first", "1", company_name="Race one", website="race.example")

    def push_meanwhile():
        about_to_insert.wait(timeout=10)
        pushed("second", "1", company_name="Race two", website="https://race.example/")
        other_committed.set()

    started = [in_own_connection(push_first), in_own_connection(push_meanwhile)]
    for thread, failures in started:
        thread.join()
        assert failures == []
    first = Lead.objects.get(source="first")
    second = Lead.objects.get(source="second")
    assert pairs() == {(max(first.pk, second.pk), min(first.pk, second.pk), "website")}
