"""Bulk upsert of leads: the service and POST /api/v1/leads/bulk-upsert/."""

import datetime
import json
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from portrait import roles
from qualification.models import Lead, LeadIdentity, LeadSource
from qualification.models.leads import LEAD_CONTENT_FIELDS
from qualification.sync.grants import SourceNotGranted, lead_source_authorize
from qualification.sync.staging import _staging_table
from qualification.sync.upsert import leads_bulk_upsert
from qualification.sync.validation import content_json, lead_item_validate
from tests.qualification.factories import LeadSourceFactory
from tests.threads import in_own_connection

URL = reverse("v1:lead-bulk-upsert")
UNSTORABLE = "Text may not contain NUL characters or unpaired surrogates."


def item(key: str, /, **fields) -> dict:
    return {
        "external_id": key,
        "company_name": f"Company {key}",
        "country": "UA",
        "employees": 120,
        "annual_revenue": "1500000.50",
        "email": f"sales@{key}.example.com",
        "website": f"https://{key}.example.com",
        "attributes": {"stack": ["python"]},
        "updated_at": "2025-03-01T10:00:00Z",
        **fields,
    }


def batch(count: int, prefix: str = "l", **fields) -> list[dict]:
    return [item(f"{prefix}{index}", **fields) for index in range(count)]


# --- the pure validator -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Not an ISO 3166-1 alpha-2 country code."),
        ("country", 12, "Not an ISO 3166-1 alpha-2 country code."),
        ("email", "not-an-address", "Enter a valid e-mail address."),
        ("employees", -1, "This number must not be negative."),
        ("employees", "-5", "This number must not be negative."),
        ("annual_revenue", "-3.50", "This number must not be negative."),
        ("employees", "many", "A whole number is required."),
        ("employees", True, "A whole number is required."),
        ("employees", "²", "A whole number is required."),
        ("employees", "1" * 5000, "Ensure this value is between 0 and 2147483647."),
        ("annual_revenue", "abc", "A number is required."),
        ("annual_revenue", "1.005", "Ensure there are no more than 2 decimal places."),
        ("phone", "call me", "Enter a valid phone number."),
        ("website", "not a site", "Enter a valid website address."),
        ("company_name", "x" * 256, "Ensure this field has no more than 255 characters."),
        ("attributes", ["a"], "Expected an object."),
        ("updated_at", "yesterday", "Expected an ISO 8601 date and time."),
        ("colour", "red", "Unknown field."),
        ("external_id", None, "This field is required."),
        ("company_name", "A\x00B", UNSTORABLE),
        ("channel", "\udc80", UNSTORABLE),
        ("attributes", {"k": ["\ud800"]}, UNSTORABLE),
    ],
)
def test_validator_names_the_bad_field(field, value, message):
    row, errors = lead_item_validate(item("a", **{field: value}))
    assert row is None
    assert errors == {field: [message]}


def test_validator_reads_employees_written_with_leading_zeros():
    row, errors = lead_item_validate(item("a", employees="0" * 20 + "42"))
    assert errors == {}
    assert row["employees"] == 42


def test_validator_names_an_unknown_field_it_cannot_echo_escaped():
    row, errors = lead_item_validate(item("a", **{"\ud800": 1}))
    assert row is None
    assert errors == {"\\ud800": ["Unknown field."]}


@given(
    st.fixed_dictionaries(
        dict.fromkeys(
            LEAD_CONTENT_FIELDS,
            st.none()
            | st.text(st.characters(exclude_categories=()))
            | st.integers(min_value=0, max_value=2**63)
            | st.decimals(allow_nan=False, allow_infinity=False),
        )
    )
)
def test_content_json_writes_what_json_dumps_writes(content):
    # Stored hashes were taken of json.dumps' output: the fast path must match it byte for byte.
    assert content_json(content) == json.dumps(content, sort_keys=True, default=str)


def test_content_json_hands_other_values_to_json_dumps():
    # A bool or a float never comes out of the validator; if one did, json.dumps decides.
    content = {**dict.fromkeys(LEAD_CONTENT_FIELDS, None), "employees": True, "annual_revenue": 1.5}
    assert content_json(content) == json.dumps(content, sort_keys=True, default=str)


def test_validator_normalises_and_hashes_content_but_not_updated_at():
    row, errors = lead_item_validate(
        item("a", country=" ua ", website="https://WWW.Acme.example.com/about")
    )
    assert errors == {}
    assert row["country"] == "UA"
    assert row["annual_revenue"] == Decimal("1500000.50")
    assert row["source_updated_at"] == datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)
    later, _ = lead_item_validate(item("a", country="UA", updated_at="2025-04-01T00:00:00Z"))
    changed, _ = lead_item_validate(item("a", country="PL"))
    assert later["content_hash"] != changed["content_hash"]
    same, _ = lead_item_validate(
        item("a", country=" ua ", website="https://WWW.Acme.example.com/about", updated_at=None)
    )
    assert same["content_hash"] == row["content_hash"]


# --- the service --------------------------------------------------------------------


def test_content_hash_is_stable_so_leads_stored_earlier_replay_unchanged(db):
    # Hashes stored by earlier releases: a change in how the hash is computed would
    # make every replay of every stored lead an update.
    stored = {
        "a": "37463b1c65729f0d9743cf5aff11ccbc410e7ca7f1dbd5c674a9c3d301582af1",
        "b": "5f1d4f731145926bae1f45372295178882a116fd8e10a25aa70bb8adab08e471",
    }
    items = [item("a"), {"external_id": "b"}]
    assert [lead_item_validate(pushed)[0]["content_hash"] for pushed in items] == list(
        stored.values()
    )
    leads_bulk_upsert(source="erp", items=items)
    assert dict(Lead.objects.values_list("external_id", "content_hash")) == stored
    report = leads_bulk_upsert(source="erp", items=items)
    assert report == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_upsert_creates_leads_with_their_keys(db):
    report = leads_bulk_upsert(source="erp", items=batch(3))
    assert report == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    lead = Lead.objects.get(source="erp", external_id="l1")
    assert lead.company_name == "Company l1"
    assert lead.annual_revenue == Decimal("1500000.50")
    assert lead.attributes == {"stack": ["python"]}
    assert lead.stage == "new"
    assert lead.website_domain == "l1.example.com"
    assert lead.email_domain == "l1.example.com"
    assert lead.name_key == "l1"  # "company" is a legal-form word
    assert lead.source_updated_at == datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC)
    assert lead.identities() == [("erp", "l1")]
    assert not LeadIdentity.objects.exists()  # a lead's own key lives on the lead


def test_replay_reports_unchanged_and_writes_nothing(db):
    leads_bulk_upsert(source="erp", items=batch(3))
    before = dict(Lead.objects.values_list("external_id", "updated_at"))
    report = leads_bulk_upsert(source="erp", items=batch(3))
    assert report == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    assert dict(Lead.objects.values_list("external_id", "updated_at")) == before


def test_changed_lead_is_updated_and_others_unchanged(db):
    leads_bulk_upsert(source="erp", items=batch(3))
    items = batch(3)
    items[1] = item("l1", employees=999, updated_at="2025-03-02T10:00:00Z")
    report = leads_bulk_upsert(source="erp", items=items)
    assert report == {"created": 0, "updated": 1, "unchanged": 2, "errors": []}
    lead = Lead.objects.get(external_id="l1")
    assert lead.employees == 999
    assert lead.source_updated_at == datetime.datetime(2025, 3, 2, 10, tzinfo=datetime.UTC)


def test_stale_lead_does_not_overwrite_a_newer_one(db):
    leads_bulk_upsert(source="erp", items=[item("a", employees=10)])
    report = leads_bulk_upsert(
        source="erp", items=[item("a", employees=5, updated_at="2025-02-01T00:00:00Z")]
    )
    assert report == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    assert Lead.objects.get().employees == 10


def test_partial_invalid_batch_writes_the_valid_items_only(db):
    items = [item("ok1"), item("bad", country="Atlantis", email="x"), item("ok2"), "nonsense"]
    report = leads_bulk_upsert(source="erp", items=items)
    assert report == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "index": 1,
                "external_id": "bad",
                "errors": {
                    "country": ["Not an ISO 3166-1 alpha-2 country code."],
                    "email": ["Enter a valid e-mail address."],
                },
            },
            {
                "index": 3,
                "external_id": None,
                "errors": {"non_field_errors": ["Expected an object."]},
            },
        ],
    }
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["ok1", "ok2"]


@pytest.mark.parametrize(
    "attributes",
    [
        {"score": float("nan")},
        {"limit": float("inf")},
        {"nested": {"floor": [1, float("-inf")]}},
    ],
)
def test_non_finite_numbers_in_attributes_are_reported_and_the_rest_written(db, attributes):
    report = leads_bulk_upsert(
        source="erp", items=[item("ok1"), item("bad", attributes=attributes), item("ok2")]
    )
    assert report == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "index": 1,
                "external_id": "bad",
                "errors": {"attributes": ["Numbers must be finite."]},
            }
        ],
    }
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["ok1", "ok2"]


def test_repeated_external_id_in_one_batch_is_an_error(db):
    report = leads_bulk_upsert(source="erp", items=[item("a"), item("a", employees=1)])
    assert report["created"] == 1
    assert report["errors"] == [
        {
            "index": 1,
            "external_id": "a",
            "errors": {"external_id": ["This lead appears twice in the batch."]},
        }
    ]
    assert Lead.objects.get().employees == 120


def test_same_external_id_in_two_sources_are_two_leads(db):
    leads_bulk_upsert(source="erp", items=[item("a")])
    leads_bulk_upsert(source="web", items=[item("a")])
    assert sorted(Lead.objects.values_list("source", flat=True)) == ["erp", "web"]


def test_upsert_rejects_more_than_the_limit(db):
    with pytest.raises(ValueError, match="at most 1000"):
        leads_bulk_upsert(source="erp", items=batch(1001))


@pytest.mark.parametrize("size", [10, 200])
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(
    db, size, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        report = leads_bulk_upsert(source="erp", items=batch(size))
    assert report["created"] == size
    changed = batch(size, employees=7, updated_at="2025-03-05T00:00:00Z")
    with django_assert_max_num_queries(14):
        report = leads_bulk_upsert(source="erp", items=changed)
    assert report["updated"] == size
    with django_assert_max_num_queries(3):
        report = leads_bulk_upsert(source="erp", items=changed)
    assert report["unchanged"] == size


# --- the endpoint -------------------------------------------------------------------


def test_integration_first_push_takes_the_source(client_for):
    client = client_for(roles.INTEGRATIONS)
    response = client.post(URL, {"source": "erp", "leads": batch(2)}, format="json")
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert list(LeadSource.objects.get(name="erp").accounts.all()) == [client.user]


def test_push_to_a_source_held_by_another_account_is_refused_and_writes_nothing(
    client_for, make_user
):
    LeadSourceFactory(name="erp", accounts=[make_user(roles.INTEGRATIONS)])
    client = client_for(roles.INTEGRATIONS)
    response = client.post(URL, {"source": "erp", "leads": batch(2)}, format="json")
    assert response.status_code == 403
    message = 'You may not push leads to source "erp": it is granted to another account.'
    assert response.json() == {
        "detail": message,
        "code": "source_not_granted",
        "errors": {"source": [message]},
    }
    assert Lead.objects.count() == 0


def test_an_admin_granted_second_account_may_push(client_for, make_user):
    client = client_for(roles.INTEGRATIONS)
    LeadSourceFactory(name="erp", accounts=[make_user(roles.INTEGRATIONS), client.user])
    response = client.post(URL, {"source": "erp", "leads": batch(1)}, format="json")
    assert response.status_code == 200


# Sales managers import too, as admins do (DESIGN.md's role table).
@pytest.mark.parametrize("role", [roles.ADMINS, roles.SALES_MANAGERS])
def test_importers_may_push_to_any_source_without_taking_it(client_for, make_user, role):
    LeadSourceFactory(name="erp", accounts=[make_user(roles.INTEGRATIONS)])
    client = client_for(role)
    response = client.post(URL, {"source": "erp", "leads": batch(1)}, format="json")
    assert response.status_code == 200
    assert client.user not in LeadSource.objects.get(name="erp").accounts.all()


@pytest.mark.parametrize("role", [roles.SALES, roles.TECHNICAL])
def test_roles_that_do_not_push_are_refused_and_nothing_is_written(client_for, role):
    client = client_for(role)
    response = client.post(URL, {"source": "erp", "leads": batch(2)}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Lead.objects.count() == 0
    assert LeadSource.objects.count() == 0


def test_anonymous_push_is_401(api_client, db):
    response = api_client.post(URL, {"source": "erp", "leads": batch(1)}, format="json")
    assert response.status_code == 401
    assert Lead.objects.count() == 0


def test_over_limit_batch_is_400_naming_leads(client_for):
    client = client_for(roles.INTEGRATIONS)
    response = client.post(URL, {"source": "erp", "leads": batch(1001)}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "leads": ["At most 1000 leads per call; this one has 1001."]
    }
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"source": "erp"}, {"leads": ["This field is required."]}),
        ({"source": "erp", "leads": {"a": 1}}, {"leads": ["Expected a list of leads."]}),
        ({"leads": []}, {"source": ["This field is required."]}),
        (
            {"source": "no spaces!", "leads": []},
            {
                "source": [
                    "A source is 1 to 64 letters, digits, dots, dashes or underscores, "
                    "starting with a letter or digit."
                ]
            },
        ),
        ([1, 2], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_bad_envelope_is_400_naming_the_field(client_for, body, errors):
    client = client_for(roles.INTEGRATIONS)
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid input.", "code": "invalid", "errors": errors}


def test_malformed_json_is_400_json(client_for):
    client = client_for(roles.INTEGRATIONS)
    response = client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_item_errors_are_reported_in_the_answer(client_for):
    client = client_for(roles.INTEGRATIONS)
    leads = [item("a"), item("b", employees="lots")]
    response = client.post(URL, {"source": "erp", "leads": leads}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "index": 1,
                "external_id": "b",
                "errors": {"employees": ["A whole number is required."]},
            }
        ],
    }


# --- PostgreSQL concurrency ----------------------------------------------------------


@pytest.mark.postgres
def test_concurrent_overlapping_batches_never_duplicate_and_newest_wins(db):
    # Threads commit on their own connections, so no transactional flush of the roles
    # is needed; the rows they commit are deleted at the end on another connection.
    shared = [f"s{index}" for index in range(300)]
    batches = [
        [item(key, employees=1, updated_at="2025-03-01T00:00:00Z") for key in shared]
        + batch(50, prefix="x"),
        [item(key, employees=2, updated_at="2025-03-02T00:00:00Z") for key in shared]
        + batch(50, prefix="y"),
        [item(key, employees=3, updated_at="2025-03-03T00:00:00Z") for key in reversed(shared)],
    ]
    barrier = threading.Barrier(len(batches))

    def pusher(items):
        def push():
            barrier.wait()
            for _round in range(2):
                leads_bulk_upsert(source="concurrent", items=items)

        return push

    try:
        started = [in_own_connection(pusher(items)) for items in batches]
        for thread, _failures in started:
            thread.join()
        assert [failures for _thread, failures in started] == [[], [], []]
        leads = Lead.objects.filter(source="concurrent")
        assert leads.count() == 400
        assert set(leads.filter(external_id__in=shared).values_list("employees", flat=True)) == {3}
    finally:
        thread, failures = in_own_connection(
            lambda: Lead.objects.filter(source="concurrent").delete()
        )
        thread.join()
        assert failures == []


@pytest.mark.postgres
def test_a_second_account_pushing_while_the_first_takes_a_free_source_is_refused(
    transactional_db, make_user
):
    # A source nobody holds yet (an importer's, say): creating it would serialise them anyway.
    LeadSourceFactory(name="race")
    first, second = make_user(roles.INTEGRATIONS), make_user(roles.INTEGRATIONS)
    taken = threading.Event()
    outcomes: dict[str, str] = {}

    def take():
        # The first account takes the source and keeps its transaction open a moment.
        with transaction.atomic():
            lead_source_authorize(source="race", user=type(first).objects.get(pk=first.pk))
            taken.set()
            time.sleep(0.5)
        outcomes["first"] = "granted"

    def push_meanwhile():
        user = type(second).objects.get(pk=second.pk)
        taken.wait(timeout=10)
        try:
            lead_source_authorize(source="race", user=user)
            outcomes["second"] = "granted"
        except SourceNotGranted:
            outcomes["second"] = "refused"

    started = [in_own_connection(take), in_own_connection(push_meanwhile)]
    for thread, failures in started:
        thread.join()
        assert failures == []
    assert outcomes == {"first": "granted", "second": "refused"}
    assert list(LeadSource.objects.get(name="race").accounts.all()) == [first]


def test_a_batch_that_fails_after_staging_leaves_nothing_for_the_next(db, monkeypatch):
    from qualification.sync import staging

    real = staging.published_rules
    calls = []

    def fail_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(staging, "published_rules", fail_once)
    with pytest.raises(RuntimeError):
        leads_bulk_upsert(source="erp", items=batch(3, prefix="lost"))
    report = leads_bulk_upsert(source="erp", items=batch(2, prefix="kept"))
    assert report["created"] == 2
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["kept0", "kept1"]


def test_two_batches_in_one_transaction_each_write_their_own_rows(db):
    with transaction.atomic():
        first = leads_bulk_upsert(source="erp", items=batch(3, prefix="a"))
        second = leads_bulk_upsert(source="erp", items=batch(2, prefix="b"))
    assert (first["created"], second["created"]) == (3, 2)
    assert Lead.objects.count() == 5


def test_sqlite_staging_table_is_empty_after_a_batch(db):
    if connection.vendor != "sqlite":
        pytest.skip("a PostgreSQL commit empties the staging table itself")
    leads_bulk_upsert(source="erp", items=batch(3))
    staging, _columns = _staging_table(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {staging}")  # noqa: S608 - ours
        assert cursor.fetchone() == (0,)


@pytest.mark.postgres
def test_postgres_staging_keeps_types(db):
    leads_bulk_upsert(source="erp", items=[item("a", attributes={"n": 1, "tags": ["x"]})])
    lead = Lead.objects.get()
    assert lead.attributes == {"n": 1, "tags": ["x"]}
    assert connection.vendor == "postgresql"
