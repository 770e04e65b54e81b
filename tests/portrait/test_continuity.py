"""A segment or exclusion stays itself from version to version (``portrait.continuity``)."""

import uuid
from decimal import Decimal

import pytest

from portrait import roles
from portrait.models import Exclusion, Segment
from portrait.services import (
    portrait_copy_as_draft,
    portrait_create,
    portrait_publish,
    portrait_update_draft,
)

pytestmark = pytest.mark.django_db

SMALL = {"all": [{"field": "employees", "op": "lt", "value": 50}]}
LARGE = {"all": [{"field": "employees", "op": "gte", "value": 250}]}
LARGER = {"all": [{"field": "employees", "op": "gte", "value": 500}]}
SANCTIONED = {"field": "country", "op": "in", "value": ["RU", "BY"]}
COMPETITOR = {"field": "attributes.competitor", "op": "eq", "value": True}


@pytest.fixture
def admin_user(make_user):
    return make_user(roles.ADMINS)


@pytest.fixture
def in_force(admin_user):
    portrait = portrait_create(
        user=admin_user,
        data={
            "name": "Our client",
            "segments": [
                {"name": "Small", "criteria": SMALL, "priority": 2},
                {"name": "Large", "criteria": LARGE, "priority": 1, "capacity": 7},
            ],
            "exclusions": [
                {"name": "Sanctioned", "criteria": SANCTIONED},
                {"name": "Competitors", "criteria": COMPETITOR},
            ],
        },
    )
    return portrait_publish(portrait=portrait, user=admin_user)


def _rows(portrait, model) -> dict[str, tuple]:
    return {
        row.name: (row.pk, row.lineage, row.criteria)
        for row in model.objects.filter(portrait=portrait)
    }


def _matching_order(portrait) -> list[str]:
    """The names of ``portrait``'s segments in the order a lead is matched against them."""
    return list(portrait.segments.order_by("priority", "id").values_list("name", flat=True))


def test_a_first_publish_keeps_its_own_ids(admin_user):
    draft = portrait_create(
        user=admin_user,
        data={"name": "First", "segments": [{"name": "Small", "criteria": SMALL}]},
    )
    before = _rows(draft, Segment)

    portrait_publish(portrait=draft, user=admin_user)

    assert _rows(draft, Segment) == before


def test_a_published_copy_takes_over_the_ids_of_what_it_continues(admin_user, in_force):
    segments_before, exclusions_before = _rows(in_force, Segment), _rows(in_force, Exclusion)
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    draft.segments.filter(name="Large").update(criteria=LARGER, capacity=9)
    added = Segment.objects.create(portrait=draft, name="Mid", criteria=LARGE, priority=3)
    draft.exclusions.filter(name="Competitors").delete()
    draft_ids = {row.name: row.pk for row in draft.segments.all()}

    portrait_publish(portrait=draft, user=admin_user)

    segments_after = _rows(draft, Segment)
    # Changed or not, a continued segment keeps its id, with the new version's content.
    assert segments_after["Small"] == segments_before["Small"]
    assert segments_after["Large"] == (*segments_before["Large"][:2], LARGER)
    assert Segment.objects.get(pk=segments_before["Large"][0]).capacity == 9
    latest = Segment.objects.get(pk=segments_before["Large"][0]).history.first()
    assert (latest.criteria, latest.portrait_id, latest.history_user) == (
        LARGER,
        draft.pk,
        admin_user,
    )
    # A segment new in this version keeps the id it was drafted with.
    assert segments_after["Mid"] == (added.pk, added.lineage, LARGE)
    assert _rows(draft, Exclusion) == {"Sanctioned": exclusions_before["Sanctioned"]}
    # The archived version keeps its content, under the ids the draft had.
    archived = _rows(in_force, Segment)
    assert {name: row[0] for name, row in archived.items()} == {
        "Small": draft_ids["Small"],
        "Large": draft_ids["Large"],
    }
    assert {name: row[1:] for name, row in archived.items()} == {
        name: row[1:] for name, row in segments_before.items()
    }
    assert Segment.objects.get(pk=draft_ids["Large"]).capacity == 7
    assert _rows(in_force, Exclusion)["Competitors"] == exclusions_before["Competitors"]
    assert _rows(in_force, Exclusion)["Sanctioned"][1:] == exclusions_before["Sanctioned"][1:]


def test_a_later_publish_continues_the_same_segments_again(admin_user, in_force):
    original = _rows(in_force, Segment)["Large"]
    second = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    portrait_publish(portrait=second, user=admin_user)
    third = portrait_copy_as_draft(portrait=second, user=admin_user)

    portrait_publish(portrait=third, user=admin_user)

    assert _rows(third, Segment)["Large"] == original
    # Each of the three versions has its own row of the one segment.
    assert Segment.objects.filter(lineage=original[1]).count() == 3


def test_a_draft_replaced_through_the_api_keeps_the_identity_of_each_name_it_keeps(
    admin_user, in_force
):
    before = _rows(in_force, Segment)
    lineages = {name: row[1] for name, row in before.items()}
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)

    portrait_update_draft(
        portrait=draft,
        user=admin_user,
        data={
            "segments": [
                {"name": "Large", "criteria": LARGER, "priority": 1},
                {"name": "Tiny", "criteria": SMALL, "priority": 2},
            ]
        },
    )

    replaced = {row.name: (row.pk, row.lineage) for row in draft.segments.all()}
    assert replaced["Large"][1] == lineages["Large"]
    assert replaced["Tiny"][1] not in lineages.values()
    portrait_publish(portrait=draft, user=admin_user)
    published = _rows(draft, Segment)
    assert published["Large"][0] == before["Large"][0]
    assert published["Tiny"][0] == replaced["Tiny"][0]


def test_a_segment_copied_twice_in_a_draft_continues_once(admin_user, in_force):
    large = _rows(in_force, Segment)["Large"]
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    twin = draft.segments.get(name="Large")
    Segment.objects.create(
        portrait=draft,
        name="Large again",
        criteria=LARGE,
        lineage=twin.lineage,
        average_deal_value=Decimal(0),
    )

    portrait_publish(portrait=draft, user=admin_user)

    assert draft.segments.filter(pk=large[0]).count() == 1
    assert draft.segments.count() == 3


def test_the_migration_gives_same_named_rows_of_successive_versions_one_lineage(admin_user):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("portrait.migrations.0004_lineage")
    first = portrait_create(
        user=admin_user,
        data={
            "name": "v1",
            "segments": [
                {"name": "Small", "criteria": SMALL},
                {"name": "Large", "criteria": LARGE},
            ],
            "exclusions": [{"name": "Sanctioned", "criteria": SANCTIONED}],
        },
    )
    portrait_publish(portrait=first, user=admin_user)
    second = portrait_copy_as_draft(portrait=first, user=admin_user)
    second.segments.filter(name="Small").delete()
    Segment.objects.create(portrait=second, name="Mid", criteria=LARGE)
    # As the rows were before the migration: nothing tied the versions' rows together.
    for row in [*Segment.objects.all(), *Exclusion.objects.all()]:
        type(row).objects.filter(pk=row.pk).update(lineage=uuid.uuid4())

    migration._lineages_assign(apps, None)

    def lineage(portrait, model, name):
        return model.objects.get(portrait=portrait, name=name).lineage

    assert lineage(first, Segment, "Large") == lineage(second, Segment, "Large")
    assert lineage(first, Exclusion, "Sanctioned") == lineage(second, Exclusion, "Sanctioned")
    lineages = {lineage(first, Segment, "Small"), lineage(first, Segment, "Large")}
    assert lineage(second, Segment, "Mid") not in lineages
    mid = Segment.objects.get(portrait=second, name="Mid")
    assert set(mid.history.values_list("lineage", flat=True)) == {mid.lineage}


def test_publishing_keeps_the_order_of_segments_of_one_priority_in_both_versions(
    admin_user, in_force
):
    Segment.objects.filter(portrait=in_force).update(priority=5)
    before = _matching_order(in_force)
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    # Replaced in the other order: the draft now matches Large before Small.
    portrait_update_draft(
        portrait=draft,
        user=admin_user,
        data={
            "segments": [
                {"name": name, "criteria": SMALL if name == "Small" else LARGE, "priority": 5}
                for name in reversed(before)
            ]
        },
    )
    drafted = _matching_order(draft)

    portrait_publish(portrait=draft, user=admin_user)

    assert _matching_order(draft) == drafted
    assert _matching_order(in_force) == before


def test_a_renamed_segment_or_exclusion_keeps_the_id_it_was_drafted_with(admin_user, in_force):
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    draft.segments.filter(name="Large").update(name="Large companies")
    draft.exclusions.filter(name="Sanctioned").update(name="Sanctions")
    drafted = _rows(draft, Segment)["Large companies"][0], _rows(draft, Exclusion)["Sanctions"][0]
    kept = _rows(in_force, Segment)["Small"][0]

    portrait_publish(portrait=draft, user=admin_user)

    assert (
        _rows(draft, Segment)["Large companies"][0],
        _rows(draft, Exclusion)["Sanctions"][0],
    ) == drafted
    assert _rows(draft, Segment)["Small"][0] == kept
