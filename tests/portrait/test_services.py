import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from portrait import roles
from portrait.choices import DocumentStatus
from portrait.models import Exclusion, Portrait, PortraitAcknowledgement, Segment
from portrait.selectors import (
    acknowledgement_for_user,
    portrait_get_published,
    portrait_list_for_user,
)
from portrait.services import (
    portrait_acknowledge,
    portrait_copy_as_draft,
    portrait_create,
    portrait_publish,
    portrait_update_draft,
)
from portrait.versioning import publishing
from portrait.versioning.errors import DocumentStaleError, DocumentStateError
from portrait.versioning.etags import document_etag
from portrait.versioning.selectors import document_acknowledgements
from tests.factories import UserFactory
from tests.portrait.factories import (
    BOGUS_CRITERIA,
    VALID_CRITERIA,
    ExclusionFactory,
    PortraitFactory,
    SegmentFactory,
)

pytestmark = pytest.mark.django_db

EXCLUSION_CRITERIA = {"all": [{"field": "country", "op": "eq", "value": "RU"}]}


@pytest.fixture
def admin_user(make_user):
    return make_user(roles.ADMINS)


def _payload(**overrides):
    return {
        "name": "Our client",
        "segments": [
            {
                "name": "Mid IT",
                "description": "IT companies",
                "criteria": VALID_CRITERIA,
                "capacity": 40,
                "average_deal_value": Decimal("1000.50"),
                "priority": 2,
            },
            {"name": "Large", "criteria": VALID_CRITERIA, "capacity": 3, "priority": 1},
        ],
        "exclusions": [{"name": "Sanctions", "criteria": EXCLUSION_CRITERIA}],
        **overrides,
    }


def test_create_makes_a_draft_with_the_next_version_and_its_children(admin_user):
    PortraitFactory()
    portrait = portrait_create(user=admin_user, data=_payload())

    assert portrait.version == 2
    assert portrait.status == DocumentStatus.DRAFT
    assert portrait.created_by == admin_user
    assert list(portrait.segments.values_list("name", "priority")) == [
        ("Large", 1),
        ("Mid IT", 2),
    ]
    assert portrait.segments.get(name="Mid IT").market_potential == Decimal("40020.00")
    assert list(portrait.exclusions.values_list("name", flat=True)) == ["Sanctions"]


def test_create_with_invalid_segment_names_the_item_and_writes_nothing(admin_user):
    data = _payload()
    data["segments"][1]["name"] = ""

    with pytest.raises(ValidationError) as error:
        portrait_create(user=admin_user, data=data)

    assert list(error.value.message_dict) == ["segments[1].name"]
    assert Portrait.objects.count() == 0
    assert Segment.objects.count() == 0


def test_create_with_unknown_operator_names_the_criteria_path(admin_user):
    data = _payload()
    data["exclusions"][0]["criteria"] = BOGUS_CRITERIA

    with pytest.raises(ValidationError) as error:
        portrait_create(user=admin_user, data=data)

    assert list(error.value.message_dict) == ["exclusions[0].criteria"]
    assert error.value.message_dict["exclusions[0].criteria"][0].startswith("At all[0].op: ")
    assert Portrait.objects.count() == 0


def test_update_draft_replaces_segments_and_exclusions(admin_user):
    portrait = portrait_create(user=admin_user, data=_payload())

    updated = portrait_update_draft(
        portrait=portrait,
        user=admin_user,
        data={"name": "Renamed", "segments": [{"name": "Only", "criteria": VALID_CRITERIA}]},
    )

    assert updated.name == "Renamed"
    assert list(updated.segments.values_list("name", flat=True)) == ["Only"]
    assert list(updated.exclusions.values_list("name", flat=True)) == ["Sanctions"]


def test_update_with_a_stale_etag_changes_nothing(admin_user):
    portrait = portrait_create(user=admin_user, data=_payload())
    stale = document_etag(portrait)
    portrait_update_draft(portrait=portrait, user=admin_user, data={"name": "First"})

    with pytest.raises(DocumentStaleError):
        portrait_update_draft(
            portrait=portrait, user=admin_user, data={"name": "Second"}, expected_etags=[stale]
        )

    assert Portrait.objects.get(pk=portrait.pk).name == "First"


def test_a_version_number_taken_meanwhile_is_retried_with_the_next(admin_user, monkeypatch):
    PortraitFactory()
    real_aggregate = type(Portrait.objects).aggregate
    reads = []

    def stale_first_read(manager, *args, **kwargs):
        reads.append(1)
        # The first read misses the version another transaction has just committed.
        return {"latest": 0} if len(reads) == 1 else real_aggregate(manager, *args, **kwargs)

    monkeypatch.setattr(type(Portrait.objects), "aggregate", stale_first_read)
    portrait = portrait_create(user=admin_user, data=_payload())

    assert portrait.version == 2
    assert len(reads) == 2


@pytest.mark.parametrize("status", [DocumentStatus.PUBLISHED, DocumentStatus.ARCHIVED])
def test_published_and_archived_versions_are_immutable(admin_user, status):
    portrait = portrait_create(user=admin_user, data=_payload())
    Portrait.objects.filter(pk=portrait.pk).update(status=status)

    with pytest.raises(DocumentStateError):
        portrait_update_draft(
            portrait=portrait, user=admin_user, data={"name": "Changed", "segments": []}
        )

    portrait.refresh_from_db()
    assert portrait.name == "Our client"
    assert portrait.segments.count() == 2


def test_publish_archives_the_previous_version(admin_user):
    first = PortraitFactory()
    portrait_publish(portrait=first, user=admin_user)
    second = PortraitFactory()

    published = portrait_publish(portrait=second, user=admin_user)

    first.refresh_from_db()
    assert first.status == DocumentStatus.ARCHIVED
    assert first.archived_at == published.published_at
    assert published.status == DocumentStatus.PUBLISHED
    assert published.published_by == admin_user
    assert list(Portrait.objects.filter(status=DocumentStatus.PUBLISHED)) == [second]
    assert portrait_get_published() == second


def test_publish_reports_every_invalid_segment_and_exclusion_and_publishes_nothing(admin_user):
    portrait = portrait_create(user=admin_user, data=_payload())
    bogus = {"field": "employees", "op": "bogus", "value": 1}
    Segment.objects.filter(portrait=portrait, name="Large").update(criteria=bogus)
    Exclusion.objects.filter(portrait=portrait).update(criteria=bogus)

    with pytest.raises(ValidationError) as raised:
        portrait_publish(portrait=portrait, user=admin_user)

    assert set(raised.value.message_dict) == {"segments[0].criteria", "exclusions[0].criteria"}
    assert Portrait.objects.get(pk=portrait.pk).status == DocumentStatus.DRAFT


def test_publishing_a_non_draft_is_refused(admin_user):
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=admin_user)

    with pytest.raises(DocumentStateError):
        portrait_publish(portrait=portrait, user=admin_user)


def pending_users(portrait) -> set:
    """Who was asked to acknowledge ``portrait`` and has not yet, as the API lists them."""
    waiting = document_acknowledgements(portrait).filter(acknowledged_at__isnull=True)
    return {acknowledgement.user for acknowledgement in waiting}


def test_publish_asks_only_active_employees_to_acknowledge(make_user, admin_user):
    active = make_user(roles.SALES)
    make_user(roles.SALES, is_active=False)
    portrait = PortraitFactory()

    portrait_publish(portrait=portrait, user=admin_user)

    assert set(
        PortraitAcknowledgement.objects.filter(document=portrait).values_list("user", flat=True)
    ) == {admin_user.pk, active.pk}
    assert pending_users(portrait) == {admin_user, active}


def test_acknowledge_counts_once(make_user, admin_user):
    employee = make_user(roles.TECHNICAL)
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=admin_user)

    first = portrait_acknowledge(portrait=portrait, user=employee)
    second = portrait_acknowledge(portrait=portrait, user=employee)

    assert first.acknowledged_at is not None
    assert second.pk == first.pk
    assert second.acknowledged_at == first.acknowledged_at
    assert pending_users(portrait) == {admin_user}


def test_an_employee_who_joined_after_publishing_can_acknowledge(make_user, admin_user):
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=admin_user)
    newcomer = make_user(roles.SALES)

    acknowledgement = portrait_acknowledge(portrait=portrait, user=newcomer)

    assert acknowledgement.acknowledged_at is not None
    assert PortraitAcknowledgement.objects.filter(document=portrait).count() == 2


def test_a_users_acknowledgement_is_their_request_answered_or_not(make_user, admin_user):
    portrait = PortraitFactory()
    portrait_publish(portrait=portrait, user=admin_user)
    newcomer = make_user(roles.SALES)

    asked = acknowledgement_for_user(portrait, admin_user)
    portrait_acknowledge(portrait=portrait, user=admin_user)
    answered = acknowledgement_for_user(portrait, admin_user)

    assert (asked.user, asked.acknowledged_at) == (admin_user, None)
    assert (answered.pk, answered.is_acknowledged) == (asked.pk, True)
    assert acknowledgement_for_user(portrait, newcomer) is None


@pytest.mark.parametrize("status", [DocumentStatus.DRAFT, DocumentStatus.ARCHIVED])
def test_only_the_published_version_can_be_acknowledged(make_user, status):
    portrait = PortraitFactory()
    Portrait.objects.filter(pk=portrait.pk).update(status=status)
    portrait.refresh_from_db()

    with pytest.raises(DocumentStateError):
        portrait_acknowledge(portrait=portrait, user=make_user(roles.SALES))

    assert PortraitAcknowledgement.objects.count() == 0


def test_copy_as_draft_copies_children_and_keeps_the_original(admin_user):
    original = portrait_create(user=admin_user, data=_payload())
    portrait_publish(portrait=original, user=admin_user)

    copy = portrait_copy_as_draft(portrait=original, user=admin_user)

    assert copy.pk != original.pk
    assert copy.version == original.version + 1
    assert copy.status == DocumentStatus.DRAFT
    assert copy.based_on == original
    assert copy.name == original.name
    assert list(copy.segments.values_list("name", "capacity", "criteria")) == list(
        original.segments.values_list("name", "capacity", "criteria")
    )
    assert copy.exclusions.count() == 1
    assert original.segments.count() == 2
    assert Segment.objects.count() == 4
    assert Exclusion.objects.count() == 2


def test_list_for_user_hides_drafts_from_readers(make_user, admin_user):
    draft = PortraitFactory()
    published = PortraitFactory()
    portrait_publish(portrait=published, user=admin_user)
    SegmentFactory(portrait=published)
    ExclusionFactory(portrait=published)

    assert set(portrait_list_for_user(admin_user)) == {draft, published}
    assert list(portrait_list_for_user(make_user(roles.SALES))) == [published]
    assert list(portrait_list_for_user(make_user())) == []


def _in_own_connection(function):
    """Run ``function`` in a thread, on its own autocommitted connection."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.postgres
def test_concurrent_publishes_leave_exactly_one_published_version(monkeypatch):
    # Committed rows on other connections, not a flushed transactional test
    # database: the role groups of the data migrations must survive the test.
    # Real commits run the publish handlers; this test is about the locks only.
    monkeypatch.setattr(publishing, "_handlers", {})
    publisher, drafts = _in_own_connection(
        lambda: (
            UserFactory(username="concurrent-publisher"),
            [PortraitFactory(), PortraitFactory()],
        )
    )
    barrier = threading.Barrier(len(drafts))
    failures = []

    def publish(draft):
        try:
            barrier.wait()
            portrait_publish(portrait=draft, user=publisher)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=publish, args=(draft,)) for draft in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = _in_own_connection(
            lambda: sorted(
                Portrait.objects.filter(pk__in=[draft.pk for draft in drafts]).values_list(
                    "status", flat=True
                )
            )
        )
    finally:
        _in_own_connection(
            lambda: (
                Portrait.objects.filter(pk__in=[draft.pk for draft in drafts]).delete(),
                publisher.delete(),
            )
        )

    assert failures == []
    assert statuses == [DocumentStatus.ARCHIVED, DocumentStatus.PUBLISHED]
