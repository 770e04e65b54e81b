"""A new version's run skips the leads whose outcome it cannot change (``evaluation.settled``).

Every case publishes a version, lets its run finish, publishes an edited copy and lets
that run finish: every lead must then hold what the Python predicate gives under the
new version, and exactly the leads whose outcome changed must have been written.
"""

import datetime
from collections.abc import Callable

import pytest

from portrait import roles
from portrait.models import Exclusion, Portrait, Segment
from portrait.services import portrait_copy_as_draft, portrait_create, portrait_publish
from qualification import ranking
from qualification.evaluation.settled import NOTHING_SETTLED, Settled, outcomes_settled
from qualification.models import EvaluationRun, EvaluationRunStatus, Lead
from tests.qualification.funnel_factories import make_lead
from tests.qualification.test_evaluation import (
    CERTIFIED,
    COMPETITOR,
    LARGE,
    LEAD_VALUES,
    SANCTIONED,
    SMALL_IT,
    expected,
    stored,
)

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
ANY_LARGE = {"field": "employees", "op": "gte", "value": 250}


@pytest.fixture
def admin_user(make_user):
    return make_user(roles.ADMINS)


@pytest.fixture
def publish(admin_user, django_capture_on_commit_callbacks):
    """Publish a draft and run its re-evaluation to the end; the version's run."""

    def publish(draft: Portrait) -> EvaluationRun:
        with django_capture_on_commit_callbacks(execute=True):
            portrait_publish(portrait=draft, user=admin_user)
        run = EvaluationRun.objects.get(portrait=draft)
        assert run.status == EvaluationRunStatus.DONE
        return run

    return publish


@pytest.fixture
def in_force(admin_user, publish):
    """The first version, published over every lead of ``LEAD_VALUES``, its run done."""
    for values in LEAD_VALUES:
        make_lead(**values)
    portrait = portrait_create(
        user=admin_user,
        data={
            "name": "Our client",
            "segments": [
                {"name": "Large", "criteria": LARGE, "priority": 10},
                {"name": "Small IT", "criteria": SMALL_IT, "priority": 20},
                {"name": "Certified", "criteria": CERTIFIED, "priority": 30},
            ],
            "exclusions": [
                {"name": "Sanctioned", "criteria": SANCTIONED},
                {"name": "Competitor clients", "criteria": COMPETITOR},
            ],
        },
    )
    publish(portrait)
    return portrait


def ranked(lead: Lead) -> tuple:
    """The lead's rank in the queue, which follows from its segment (``ranking``)."""
    lead.refresh_from_db()
    return (lead.segment_priority, lead.estimated_value)


def expected_rank(lead: Lead, portrait: Portrait) -> tuple:
    segment_id = expected(lead, portrait)[0]
    if segment_id is None:
        return (None, None)
    segment = portrait.segments.get(pk=segment_id)
    value = ranking.estimated_value(
        average_deal_value=segment.average_deal_value, employees=lead.employees
    )
    return (segment.priority, value)


def _segment(portrait: Portrait, name: str) -> Segment:
    return portrait.segments.get(name=name)


# What an admin changes in the copy, and which segments (by name) stay settled.
EDITS: dict[str, tuple[Callable[[Portrait], None], list[str], bool]] = {
    "the last segment's rule": (
        lambda draft: draft.segments.filter(name="Certified").update(
            criteria={**CERTIFIED, "value": "yes"}
        ),
        ["Large", "Small IT"],
        True,
    ),
    "the first segment's rule": (
        lambda draft: draft.segments.filter(name="Large").update(criteria=ANY_LARGE),
        [],
        True,
    ),
    "a middle segment's deal value": (
        lambda draft: draft.segments.filter(name="Small IT").update(average_deal_value=900),
        ["Large"],
        True,
    ),
    "two segments' priorities swapped": (
        lambda draft: (
            draft.segments.filter(name="Small IT").update(priority=30),
            draft.segments.filter(name="Certified").update(priority=20),
        ),
        ["Large"],
        True,
    ),
    "a new first segment": (
        lambda draft: Segment.objects.create(
            portrait=draft, name="Everyone in Ukraine", priority=1, criteria=_UKRAINE
        ),
        [],
        True,
    ),
    "a segment removed": (
        lambda draft: draft.segments.filter(name="Small IT").delete(),
        ["Large", "Certified"],
        True,
    ),
    "a new exclusion": (
        lambda draft: Exclusion.objects.create(portrait=draft, name="Poland", criteria=_POLAND),
        [],
        False,
    ),
    "an exclusion removed": (
        lambda draft: draft.exclusions.filter(name="Sanctioned").delete(),
        ["Large", "Small IT", "Certified"],
        False,
    ),
    "an exclusion's rule": (
        lambda draft: draft.exclusions.filter(name="Sanctioned").update(criteria=_POLAND),
        [],
        False,
    ),
    "nothing": (lambda draft: None, ["Large", "Small IT", "Certified"], True),
}
_UKRAINE = {"field": "country", "op": "eq", "value": "UA"}
_POLAND = {"field": "country", "op": "eq", "value": "PL"}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_new_version_skips_what_it_cannot_change_and_writes_exactly_what_changes(
    admin_user, in_force, publish, edit
):
    change, settled_names, excluded_settled = EDITS[edit]
    leads = list(Lead.objects.order_by("pk"))
    before = {lead.pk: stored(lead) for lead in leads}
    ranks_before = {lead.pk: ranked(lead) for lead in leads}
    Lead.objects.update(updated_at=LONG_AGO)
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    change(draft)

    run = publish(draft)

    assert run.settled_segment_ids == [_segment(draft, name).pk for name in settled_names]
    exclusion_ids = sorted(draft.exclusions.values_list("pk", flat=True))
    assert sorted(run.settled_exclusion_ids) == (exclusion_ids if excluded_settled else [])
    changed = {
        lead.pk
        for lead in leads
        if expected(lead, draft) != before[lead.pk] or ranked(lead) != ranks_before[lead.pk]
    }
    written = set(Lead.objects.filter(updated_at__gt=LONG_AGO).values_list("pk", flat=True))
    assert written == changed
    for lead in leads:
        assert stored(lead) == expected(lead, draft), lead.pk
        assert ranked(lead) == expected_rank(lead, draft), lead.pk
    skipped = {
        pk
        for pk, (segment_id, exclusions_hit, *_rest) in before.items()
        if segment_id in run.settled_segment_ids
        or (exclusions_hit and set(exclusions_hit) <= set(run.settled_exclusion_ids))
    }
    assert run.lead_count == len(leads) - len(skipped)


def test_the_changed_segment_keeps_its_leads_without_writing_them(admin_user, in_force, publish):
    """A lead whose segment's rule changed but still matches it is not written either."""
    large = _segment(in_force, "Large").pk
    in_large = set(Lead.objects.filter(segment_id=large).values_list("pk", flat=True))
    Lead.objects.update(updated_at=LONG_AGO)
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    draft.segments.filter(name="Large").update(criteria={"all": [*LARGE["all"][:3]]})

    publish(draft)

    assert in_large and _segment(draft, "Large").pk == large
    assert set(Lead.objects.filter(segment_id=large).values_list("pk", flat=True)) >= in_large
    assert not Lead.objects.filter(pk__in=in_large, updated_at__gt=LONG_AGO).exists()


def test_nothing_is_settled_while_the_version_before_is_still_being_evaluated(
    admin_user, in_force, publish
):
    second = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    portrait_publish(portrait=second, user=admin_user)  # its run never runs
    third = portrait_copy_as_draft(portrait=second, user=admin_user)

    run = publish(third)

    assert (run.settled_segment_ids, run.settled_exclusion_ids) == ([], [])
    assert EvaluationRun.objects.get(portrait=second).status == EvaluationRunStatus.SUPERSEDED
    for lead in Lead.objects.all():
        assert stored(lead) == expected(lead, third)


def test_a_version_published_again_after_its_run_settles_nothing(in_force, publish):
    from qualification.evaluation import runs

    run = runs.evaluation_run_plan(portrait=in_force)

    assert (run.settled_segment_ids, run.settled_exclusion_ids) == ([], [])


def test_two_rows_of_one_lineage_settle_nothing(admin_user, in_force):
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    large = draft.segments.get(name="Large")
    Segment.objects.create(portrait=draft, name="Twin", criteria=LARGE, lineage=large.lineage)

    assert outcomes_settled(before=in_force, after=draft) == NOTHING_SETTLED


def test_unsettled_leads_are_those_in_no_settled_segment_and_hit_by_no_exclusion(in_force):
    from django.db import connection

    from qualification.evaluation.statement import LEAD_TABLE

    sanctioned = in_force.exclusions.get(name="Sanctioned").pk
    settled = Settled(segment_ids=(_segment(in_force, "Large").pk,), exclusion_ids=(sanctioned,))
    where, params = settled.unsettled_where(LEAD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {LEAD_TABLE} WHERE {where}", params)  # noqa: S608
        unsettled = {row[0] for row in cursor.fetchall()}

    assert unsettled == {
        lead.pk
        for lead in Lead.objects.all()
        if lead.segment_id != _segment(in_force, "Large").pk
        and not (lead.exclusions_hit and set(lead.exclusions_hit) <= {sanctioned})
    }
    assert 0 < len(unsettled) < Lead.objects.count()


def test_a_lead_not_yet_reached_by_the_new_run_is_explained_with_its_segment(admin_user, in_force):
    from qualification.evaluation.explain import lead_explanation_for_people

    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    portrait_publish(portrait=draft, user=admin_user)  # its run has not run yet
    lead = Lead.objects.filter(segment__name="Large").first()

    explained = lead_explanation_for_people(lead)

    # Explained by the version it was evaluated against, whose rows now carry other ids.
    assert lead.evaluated_portrait_id == in_force.pk
    assert explained["portrait_version"] == in_force.version
    assert explained["segment"]["name"] == "Large"


def test_a_rule_changed_from_true_to_one_is_a_change(admin_user, in_force, publish):
    """``True == 1`` in Python; the criteria language tells them apart."""
    certified_one = {**CERTIFIED, "value": 1}
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    draft.exclusions.filter(name="Competitor clients").update(criteria={**COMPETITOR, "value": 1})
    draft.segments.filter(name="Certified").update(criteria=certified_one)

    run = publish(draft)

    assert (run.settled_segment_ids, run.settled_exclusion_ids) == ([], [])
    for lead in Lead.objects.all():
        assert stored(lead) == expected(lead, draft), lead.pk


def test_a_renamed_segment_gives_its_leads_a_new_id_and_announces_them(
    admin_user, in_force, publish
):
    in_large = set(Lead.objects.filter(segment__name="Large").values_list("pk", flat=True))
    Lead.objects.update(updated_at=LONG_AGO)
    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    draft.segments.filter(name="Large").update(name="Large companies")

    run = publish(draft)

    renamed = _segment(draft, "Large companies")
    # Settled by its rule, but under an id no lead held: its leads are evaluated.
    assert renamed.pk in run.settled_segment_ids
    written = set(Lead.objects.filter(updated_at__gt=LONG_AGO).values_list("pk", flat=True))
    assert in_large and written == in_large
    assert set(Lead.objects.filter(segment=renamed).values_list("pk", flat=True)) == in_large


def test_leads_keep_no_outcome_from_rows_the_new_version_did_not_take_over(
    admin_user, in_force, publish, monkeypatch
):
    """A publish that took over no ids (it raced another) settles no lead by mistake."""
    from portrait import services

    draft = portrait_copy_as_draft(portrait=in_force, user=admin_user)
    monkeypatch.setattr(services, "identities_carry_over", lambda **kwargs: 0)

    run = publish(draft)

    assert run.settled_segment_ids and run.settled_exclusion_ids  # by content, all alike
    for lead in Lead.objects.all():
        assert stored(lead) == expected(lead, draft), lead.pk
    assert not Lead.objects.filter(segment__portrait=in_force).exists()
