"""Set-based evaluation against the published portrait, and chunked, resumable runs."""

import datetime
from decimal import Decimal

import pytest

from portrait.choices import DocumentStatus
from portrait.models import Portrait
from portrait.services import portrait_publish
from qualification import scoring, sql
from qualification.choices import SuggestedVerdict
from qualification.evaluation import explain, runs, writes
from qualification.evaluation.statement import LEAD_TABLE
from qualification.models import EvaluationChunk, EvaluationRun, EvaluationRunStatus, Lead
from qualification.sync.upsert import leads_bulk_upsert
from tests.factories import UserFactory
from tests.portrait.factories import PortraitFactory, SegmentFactory
from tests.qualification.funnel_factories import make_lead, published_portrait
from tests.threads import in_own_connection

LARGE = {
    "all": [
        {"field": "employees", "op": "gte", "value": 250},
        {"field": "country", "op": "in", "value": ["UA", "PL"]},
        {
            "any": [
                {"field": "industry", "op": "startswith", "value": "62"},
                {"field": "attributes.stack", "op": "contains", "value": "python"},
            ]
        },
        {"not": {"field": "annual_revenue", "op": "lt", "value": 100000}},
    ]
}
SMALL_IT = {
    "all": [
        {"field": "employees", "op": "between", "value": [10, 249]},
        {"field": "industry", "op": "startswith", "value": "62"},
    ]
}
CERTIFIED = {"field": "attributes.iso_certified", "op": "eq", "value": True}
SANCTIONED = {"field": "country", "op": "in", "value": ["RU", "BY"]}
COMPETITOR = {"field": "attributes.competitor", "op": "eq", "value": True}

LEAD_VALUES = [
    dict(employees=300, country="UA", industry="62.01", annual_revenue=Decimal("500000")),
    dict(
        employees=300,
        country="PL",
        industry="10.11",
        attributes={"stack": ["python", "go"]},
        annual_revenue=Decimal("100000"),
    ),
    dict(employees=300, country="UA", industry="62.01", annual_revenue=Decimal("99999.99")),
    dict(employees=50, country="DE", industry="62.02"),
    dict(employees=50, country="RU", industry="62.02"),
    dict(employees=None, country="UA", industry="62.01"),
    dict(employees=5, country="UA", industry=None),
    dict(employees=5, country="UA", industry="47.11", attributes={"iso_certified": True}),
    dict(employees=5, country="UA", industry="47.11", attributes={"iso_certified": "yes"}),
    dict(employees=400, country="PL", industry="62.01", attributes={"competitor": True}),
    dict(
        employees=400,
        country="PL",
        industry="62.01",
        annual_revenue=None,
        attributes={"competitor": None, "iso_certified": False},
    ),
    dict(employees=1, country=None, industry="01", attributes={"stack": "python"}),
    dict(
        employees=260,
        country="PL",
        industry=None,
        attributes={"stack": ["Python"]},
        annual_revenue=Decimal("1000000"),
    ),
]


@pytest.fixture
def portrait(db):
    return published_portrait(
        segments=[
            ("Small IT", SMALL_IT, 20),
            ("Large", LARGE, 10),
            ("Certified", CERTIFIED, 30),
        ],
        exclusions=[("Sanctioned", SANCTIONED), ("Competitor clients", COMPETITOR)],
    )


def python_evaluation(lead: Lead, portrait: Portrait) -> scoring.Evaluation:
    return scoring.evaluate_values(explain.lead_values(lead), **explain.portrait_rules(portrait))


def stored(lead: Lead) -> tuple:
    lead.refresh_from_db()
    return (lead.segment_id, lead.exclusions_hit, lead.fit_score, lead.suggested_verdict)


def expected(lead: Lead, portrait: Portrait) -> tuple:
    """What the Python predicate gives, in the order of ``stored``."""
    evaluation = python_evaluation(lead, portrait)
    return (
        evaluation.segment_id,
        evaluation.exclusions_hit,
        evaluation.fit_score,
        evaluation.suggested_verdict,
    )


EVALUATE_EVERY_LEAD = {
    "queryset": lambda: writes.leads_evaluate(queryset=Lead.objects.all()),
    "ids": lambda: writes.leads_evaluate_ids(ids=list(Lead.objects.values_list("pk", flat=True))),
    "id range": lambda: writes.leads_evaluate_range(
        portrait=Portrait.objects.get(status=DocumentStatus.PUBLISHED),
        lower_id=Lead.objects.order_by("pk").first().pk,
        upper_id=Lead.objects.order_by("pk").last().pk + 1,
    ),
}


@pytest.mark.parametrize("entry_point", sorted(EVALUATE_EVERY_LEAD))
def test_set_based_evaluation_equals_the_python_predicate(portrait, entry_point):
    leads = [make_lead(**values) for values in LEAD_VALUES]

    updated = EVALUATE_EVERY_LEAD[entry_point]()

    assert updated == len(LEAD_VALUES)
    for lead in leads:
        assert stored(lead) == expected(lead, portrait), lead.attributes
        assert lead.evaluated_portrait_id == portrait.id
        assert lead.evaluated_at is not None
    verdicts = [python_evaluation(lead, portrait).suggested_verdict for lead in leads]
    # The mix covers every verdict.
    assert set(verdicts) == set(SuggestedVerdict.values)


def test_a_sync_evaluates_each_pushed_lead_as_the_python_predicate_does(portrait):
    items = [
        {
            "external_id": f"s{index}",
            **{
                key: str(value) if isinstance(value, Decimal) else value
                for key, value in values.items()
            },
        }
        for index, values in enumerate(LEAD_VALUES)
    ]

    report = leads_bulk_upsert(source="erp", items=items)

    assert report["created"] == len(LEAD_VALUES)
    for lead in Lead.objects.all():
        assert stored(lead) == expected(lead, portrait), lead.external_id
        assert lead.evaluated_portrait_id == portrait.id


def test_known_leads_get_exact_evaluations(portrait):
    large, small_it, sanctioned, unknown_size = (
        make_lead(employees=300, country="UA", industry="62.01", annual_revenue=Decimal("1e6")),
        make_lead(employees=50, country="DE", industry="62.02"),
        make_lead(employees=50, country="RU", industry="62.02", attributes={"competitor": True}),
        make_lead(employees=None, country="UA", industry="62.01"),
    )
    segments = {segment.name: segment.id for segment in portrait.segments.all()}
    exclusions = sorted(portrait.exclusions.values_list("id", flat=True))

    writes.leads_evaluate(queryset=Lead.objects.all())

    assert stored(large) == (segments["Large"], [], 100, SuggestedVerdict.INTERESTING)
    assert stored(small_it) == (segments["Small IT"], [], 100, SuggestedVerdict.INTERESTING)
    assert stored(sanctioned) == (None, exclusions, 0, SuggestedVerdict.NOT_INTERESTING)
    # Large: country, industry and revenue (null is not "lt") hold → 3 of 4 clauses.
    assert stored(unknown_size) == (None, [], 75, SuggestedVerdict.NEEDS_REVIEW)


@pytest.mark.parametrize("entry_point", ["queryset", "sync"])
def test_a_portrait_without_segments_or_exclusions_marks_every_lead_not_interesting(
    db, entry_point
):
    portrait = published_portrait()
    if entry_point == "sync":
        leads_bulk_upsert(source="erp", items=[{"external_id": "e1", "employees": 10}])
        lead = Lead.objects.get()
    else:
        lead = make_lead(employees=10)
        writes.leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))

    assert stored(lead) == (None, [], 0, SuggestedVerdict.NOT_INTERESTING)
    assert lead.evaluated_portrait_id == portrait.id


def test_a_single_segment_scores_without_greatest(db):
    published_portrait(segments=[("Only", SMALL_IT, 1)])
    lead = make_lead(employees=5, industry="62.01")

    writes.leads_evaluate(queryset=Lead.objects.all())

    assert stored(lead) == (None, [], 50, SuggestedVerdict.NOT_INTERESTING)


def test_without_a_published_portrait_nothing_is_evaluated(db):
    lead = make_lead(employees=10)

    assert writes.leads_evaluate(queryset=Lead.objects.all()) == 0
    assert stored(lead) == (None, [], None, None)


def test_leads_evaluate_touches_only_the_given_leads(portrait):
    first, second = make_lead(employees=300), make_lead(employees=300)

    assert writes.leads_evaluate(queryset=Lead.objects.filter(pk=first.pk)) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.evaluated_portrait_id == portrait.id
    assert second.evaluated_portrait_id is None


def test_evaluation_by_ids_touches_only_the_given_leads(portrait):
    first, second = make_lead(employees=300), make_lead(employees=300)

    assert writes.leads_evaluate_ids(ids=[first.pk]) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.evaluated_portrait_id == portrait.id
    assert second.evaluated_portrait_id is None


def test_evaluation_by_ids_follows_a_newly_published_portrait(portrait):
    lead = make_lead(employees=300, country="UA", industry="62.01")
    writes.leads_evaluate_ids(ids=[lead.pk])
    newer = published_portrait(segments=[("Only", SMALL_IT, 1)])

    writes.leads_evaluate_ids(ids=[lead.pk])

    lead.refresh_from_db()
    assert lead.evaluated_portrait_id == newer.id
    assert lead.segment_id is None


def test_evaluation_by_ids_without_a_published_portrait_changes_nothing(db):
    lead = make_lead(employees=10)

    assert writes.leads_evaluate_ids(ids=[lead.pk]) == 0
    assert stored(lead) == (None, [], None, None)


def test_lead_explain_gives_each_condition_of_the_stored_version(portrait):
    lead = make_lead(employees=None, country="UA", industry="62.01")
    writes.leads_evaluate(queryset=Lead.objects.all())
    lead.refresh_from_db()

    explanation = explain.lead_explain(lead)

    assert explanation["portrait"] == portrait.id
    assert [row["name"] for row in explanation["segments"]] == ["Large", "Small IT", "Certified"]
    large = explanation["segments"][0]
    assert large["matched"] is False
    assert large["missing_fields"] == ["annual_revenue", "attributes.stack", "employees"]
    assert large["conditions"][0] == {
        "path": "all[0]",
        "field": "employees",
        "op": "gte",
        "value": 250,
        "actual": None,
        "matched": False,
    }
    assert [row["matched"] for row in explanation["exclusions"]] == [False, False]


def test_a_lead_the_new_version_leaves_alone_is_explained_by_it_once_its_run_is_done(
    db, django_capture_on_commit_callbacks
):
    published_portrait(segments=[("Small IT", SMALL_IT, 1)])
    lead = make_lead(employees=5000, country="UA", industry="62.01")
    writes.leads_evaluate(queryset=Lead.objects.all())
    newer = PortraitFactory(name="Newer")
    huge_it = {
        "all": [
            {"field": "employees", "op": "gte", "value": 10000},
            {"field": "industry", "op": "startswith", "value": "62"},
        ]
    }
    SegmentFactory(portrait=newer, name="Huge IT", criteria=huge_it, priority=1)
    with django_capture_on_commit_callbacks(execute=True):
        portrait_publish(portrait=newer, user=UserFactory())
    assert EvaluationRun.objects.get(portrait=newer).status == EvaluationRunStatus.DONE
    lead.refresh_from_db()
    assert lead.evaluated_portrait.status == DocumentStatus.ARCHIVED

    explanation = explain.lead_explain(lead)

    assert explanation["portrait"] == newer.id
    assert [row["name"] for row in explanation["segments"]] == ["Huge IT"]
    in_words = explain.lead_explanation_for_people(lead)
    assert [rule["name"] for rule in in_words["others"]] == ["Huge IT"]


def test_lead_explain_is_empty_before_any_evaluation(db):
    assert explain.lead_explain(make_lead()) == {}


# Runs ------------------------------------------------------------------------------------


@pytest.fixture
def small_chunks(settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 3}


def test_a_run_plans_chunks_by_id_range_and_evaluates_every_lead(
    portrait, small_chunks, django_capture_on_commit_callbacks
):
    leads = [make_lead(employees=300, country="UA", industry="62.01") for _ in range(8)]
    lowest = leads[0].pk

    with django_capture_on_commit_callbacks(execute=True):
        run = runs.evaluation_run_start(portrait=portrait)

    run.refresh_from_db()
    assert [(chunk.lower_id, chunk.upper_id) for chunk in run.chunks.all()] == [
        (lowest, lowest + 3),
        (lowest + 3, lowest + 6),
        (lowest + 6, lowest + 8),  # the last range ends right after the highest id
    ]
    assert [chunk.updated_rows for chunk in run.chunks.all()] == [3, 3, 2]
    assert (run.status, run.total_chunks, run.done_chunks, run.percent_done) == (
        EvaluationRunStatus.DONE,
        3,
        3,
        100,
    )
    assert run.lead_count == 8
    assert run.started_at is not None and run.finished_at is not None
    assert Lead.objects.filter(evaluated_portrait=portrait).count() == 8


def test_the_finish_sweeps_a_lead_inserted_unevaluated_after_the_last_chunk(portrait, small_chunks):
    for _ in range(8):
        make_lead(employees=300, country="UA", industry="62.01")
    run = runs.evaluation_run_plan(portrait=portrait)
    for chunk in run.chunks.all():
        runs.evaluation_chunk_evaluate(chunk_id=chunk.pk)
    late = make_lead(employees=300, country="UA", industry="62.01")  # no evaluation

    run = runs.evaluation_run_finish(run=run)

    late.refresh_from_db()
    assert (run.status, run.lead_count) == (EvaluationRunStatus.DONE, 9)
    assert (late.evaluated_portrait_id, late.suggested_verdict) == (
        portrait.id,
        SuggestedVerdict.INTERESTING,
    )


def test_progress_is_recorded_chunk_by_chunk(portrait, small_chunks):
    for _ in range(7):
        make_lead(employees=300)
    run = runs.evaluation_run_plan(portrait=portrait)
    chunks = list(run.chunks.order_by("lower_id"))

    runs.evaluation_chunk_evaluate(chunk_id=chunks[0].pk)

    run.refresh_from_db()
    assert (run.done_chunks, run.total_chunks, run.percent_done) == (1, 3, 33)
    assert Lead.objects.filter(evaluated_portrait=portrait).count() == 3


def test_a_done_chunk_is_not_evaluated_again(portrait, small_chunks):
    lead = make_lead(employees=300)
    run = runs.evaluation_run_plan(portrait=portrait)
    chunk = run.chunks.get()
    assert runs.evaluation_chunk_evaluate(chunk_id=chunk.pk) == 1
    Lead.objects.filter(pk=lead.pk).update(fit_score=42)

    assert runs.evaluation_chunk_evaluate(chunk_id=chunk.pk) == 0

    lead.refresh_from_db()
    assert lead.fit_score == 42
    run.refresh_from_db()
    assert run.done_chunks == 1


def test_a_resumed_run_finishes_without_redoing_done_chunks(
    portrait, small_chunks, django_capture_on_commit_callbacks
):
    leads = [make_lead(employees=300, country="UA", industry="62.01") for _ in range(9)]
    run = runs.evaluation_run_plan(portrait=portrait)
    first = run.chunks.order_by("lower_id").first()
    # The worker crashed after the first chunk.
    runs.evaluation_chunk_evaluate(chunk_id=first.pk)
    first.refresh_from_db()
    first_done_at = first.done_at
    EvaluationRun.objects.filter(pk=run.pk).update(status=EvaluationRunStatus.FAILED)
    # A lead arrived meanwhile, after the planned ranges.
    late = make_lead(employees=300, country="PL", industry="62.01")

    with django_capture_on_commit_callbacks(execute=True):
        runs.evaluation_run_resume(run=run)

    run.refresh_from_db()
    first.refresh_from_db()
    assert run.status == EvaluationRunStatus.DONE
    assert first.done_at == first_done_at
    assert all(chunk.is_done for chunk in EvaluationChunk.objects.filter(run=run))
    assert not Lead.objects.exclude(evaluated_portrait=portrait).exists()
    assert run.lead_count == len(leads) + 1
    late.refresh_from_db()
    assert late.suggested_verdict == SuggestedVerdict.INTERESTING


def test_a_new_publish_mid_run_stops_the_old_run(
    portrait, small_chunks, django_capture_on_commit_callbacks
):
    for _ in range(6):
        make_lead(employees=300)
    old_run = runs.evaluation_run_plan(portrait=portrait)
    first, second = old_run.chunks.order_by("lower_id")
    runs.evaluation_chunk_evaluate(chunk_id=first.pk)
    newer = published_portrait(
        segments=[("Everyone", {"field": "employees", "op": "gte", "value": 0}, 1)]
    )

    assert runs.evaluation_chunk_evaluate(chunk_id=second.pk) == 0
    old_run.refresh_from_db()
    second.refresh_from_db()
    assert old_run.status == EvaluationRunStatus.SUPERSEDED
    assert second.done_at is None

    with django_capture_on_commit_callbacks(execute=True):
        new_run = runs.evaluation_run_start(portrait=newer)
    new_run.refresh_from_db()
    assert new_run.status == EvaluationRunStatus.DONE
    assert Lead.objects.filter(evaluated_portrait=newer).count() == 6


@pytest.mark.parametrize("step", ["dispatch", "finish"])
def test_dispatching_or_finishing_a_run_of_an_unpublished_portrait_supersedes_it(
    portrait, small_chunks, step
):
    make_lead(employees=300)
    run = runs.evaluation_run_plan(portrait=portrait)
    published_portrait()

    if step == "dispatch":
        assert runs.evaluation_run_dispatch(run=run) == 0
    else:
        assert runs.evaluation_run_finish(run=run).status == EvaluationRunStatus.SUPERSEDED

    run.refresh_from_db()
    assert run.status == EvaluationRunStatus.SUPERSEDED
    assert run.finished_at is not None


def test_planning_a_run_supersedes_unfinished_older_runs(portrait, small_chunks):
    make_lead()
    old_run = runs.evaluation_run_plan(portrait=portrait)
    newer = published_portrait()

    runs.evaluation_run_plan(portrait=newer)

    old_run.refresh_from_db()
    assert old_run.status == EvaluationRunStatus.SUPERSEDED


def test_planning_again_returns_the_unfinished_run_of_the_same_portrait(portrait, small_chunks):
    make_lead()
    first = runs.evaluation_run_plan(portrait=portrait)

    second = runs.evaluation_run_plan(portrait=portrait)

    assert second.pk == first.pk
    assert EvaluationRun.objects.filter(portrait=portrait).count() == 1


def test_planning_again_dispatches_a_run_whose_dispatch_was_lost(
    portrait, small_chunks, django_capture_on_commit_callbacks
):
    make_lead(employees=300)
    with django_capture_on_commit_callbacks(execute=False):
        first = runs.evaluation_run_plan(portrait=portrait)  # its task never ran

    with django_capture_on_commit_callbacks(execute=True):
        again = runs.evaluation_run_plan(portrait=portrait)

    again.refresh_from_db()
    assert again.pk == first.pk
    assert again.status == EvaluationRunStatus.DONE
    assert not Lead.objects.exclude(evaluated_portrait=portrait).exists()


def test_a_run_over_no_leads_is_done_at_once(portrait, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.evaluation_run_start(portrait=portrait)

    run.refresh_from_db()
    assert (run.status, run.total_chunks, run.lead_count, run.percent_done) == (
        EvaluationRunStatus.DONE,
        0,
        0,
        100,
    )


def test_an_archived_portrait_starts_no_run(portrait):
    Portrait.objects.filter(pk=portrait.pk).update(status=DocumentStatus.ARCHIVED)
    portrait.refresh_from_db()

    assert runs.evaluation_run_start(portrait=portrait) is None
    assert not EvaluationRun.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chunks_run_at_once_on_several_connections(settings):
    import threading

    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "EVALUATION_CHUNK_SIZE": 5}
    portrait = published_portrait(segments=[("Large", LARGE, 1)])
    for _ in range(20):
        make_lead(employees=300, country="UA", industry="62.01")
    run = runs.evaluation_run_plan(portrait=portrait)
    chunk_ids = list(run.chunks.values_list("id", flat=True))
    start = threading.Barrier(len(chunk_ids))

    def work(chunk_id):
        start.wait()
        runs.evaluation_chunk_evaluate(chunk_id=chunk_id)

    started = [in_own_connection(work, chunk_id) for chunk_id in chunk_ids]
    for thread, _failures in started:
        thread.join()

    assert [error for _thread, failures in started for error in failures] == []
    run.refresh_from_db()
    assert (run.done_chunks, run.total_chunks) == (4, 4)
    assert Lead.objects.filter(evaluated_portrait=portrait).count() == 20
    assert runs.evaluation_run_finish(run=run).status == EvaluationRunStatus.DONE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lead_being_written_against_the_version_before_is_evaluated_by_the_new_run():
    import threading

    from django.db import transaction

    old = published_portrait(segments=[("Large", LARGE, 1)])
    pushed, release = threading.Event(), threading.Event()

    def push_against_the_old_version():
        with transaction.atomic():
            leads_bulk_upsert(source="erp", items=[{"external_id": "slow", "employees": 300}])
            pushed.set()
            release.wait(10)

    def plan(portrait):
        runs.evaluation_run_plan(portrait=portrait)

    writer, writer_failures = in_own_connection(push_against_the_old_version)
    assert pushed.wait(10)
    # A lead committed meanwhile with a higher id: the run's ranges reach past the slow one.
    make_lead(employees=300, country="UA", industry="62.01")
    new = published_portrait(segments=[("Small IT", SMALL_IT, 1)])
    planner, planner_failures = in_own_connection(plan, new)
    planner.join(0.5)
    release.set()
    writer.join(10)
    planner.join(10)

    assert writer_failures + planner_failures == []
    slow = Lead.objects.get(external_id="slow")
    assert slow.evaluated_portrait_id == new.id != old.id
    assert EvaluationRun.objects.get(portrait=new).status == EvaluationRunStatus.DONE


def test_deleting_a_portrait_clears_the_evaluations_that_point_at_it(portrait):
    # The evaluation columns have no database constraint: Django keeps them consistent.
    lead = make_lead(employees=300, country="UA", industry="62.01")
    writes.leads_evaluate(queryset=Lead.objects.filter(pk=lead.pk))
    lead.refresh_from_db()
    assert lead.segment_id is not None and lead.evaluated_portrait_id == portrait.id

    lead.segment.delete()
    lead.refresh_from_db()
    assert lead.segment_id is None
    portrait.delete()
    lead.refresh_from_db()
    assert lead.evaluated_portrait_id is None


# What a re-evaluation writes: the leads whose outcome changes, and only those.

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def _every_lead_last_written_long_ago() -> None:
    Lead.objects.update(updated_at=LONG_AGO, evaluated_at=LONG_AGO)


def _written_since_long_ago() -> set[int]:
    return set(Lead.objects.filter(updated_at__gt=LONG_AGO).values_list("pk", flat=True))


def _every_lead_made_and_evaluated() -> list[Lead]:
    leads = [make_lead(**values) for values in LEAD_VALUES]
    writes.leads_evaluate(queryset=Lead.objects.all())
    return leads


@pytest.mark.parametrize("entry_point", sorted(EVALUATE_EVERY_LEAD))
def test_a_re_evaluation_that_changes_nothing_writes_nothing(portrait, entry_point):
    _every_lead_made_and_evaluated()
    _every_lead_last_written_long_ago()
    before = list(Lead.objects.order_by("pk").values())

    EVALUATE_EVERY_LEAD[entry_point]()

    assert _written_since_long_ago() == set()
    assert list(Lead.objects.order_by("pk").values()) == before


def test_a_re_evaluation_counts_the_leads_it_evaluated_and_those_it_wrote(portrait):
    leads = _every_lead_made_and_evaluated()
    Lead.objects.filter(pk__in=[leads[0].pk, leads[3].pk]).update(fit_score=None)
    where, ids = sql.id_in(f"{LEAD_TABLE}.id", [lead.pk for lead in leads])

    counted = writes.leads_evaluate_counted(portrait=portrait, where=where, params=(ids,))

    assert counted == writes.Evaluated(evaluated=len(LEAD_VALUES), written=2)


def test_a_new_version_writes_exactly_the_leads_whose_outcome_changes(portrait):
    leads = _every_lead_made_and_evaluated()
    before = {lead.pk: stored(lead) for lead in leads}
    _every_lead_last_written_long_ago()
    # Certified now means "yes" rather than true: the leads certified either way move,
    # and so does every lead in a segment or hit by an exclusion, since this version is
    # written anew, not copied: its segments and exclusions are new ones, with ids of
    # their own (a copy keeps them: ``test_settled``). A lead that no segment matches
    # and no exclusion hits keeps its outcome, whatever the version.
    newer = published_portrait(
        segments=[
            ("Small IT", SMALL_IT, 20),
            ("Large", LARGE, 10),
            ("Certified", {**CERTIFIED, "value": "yes"}, 30),
        ],
        exclusions=[("Sanctioned", SANCTIONED), ("Competitor clients", COMPETITOR)],
    )

    writes.leads_evaluate(queryset=Lead.objects.all())

    changed = {lead.pk for lead in leads if expected(lead, newer) != before[lead.pk]}
    assert 0 < len(changed) < len(leads)
    assert _written_since_long_ago() == changed
    for lead in leads:
        assert stored(lead) == expected(lead, newer), lead.pk
        assert lead.evaluated_portrait_id == (newer.pk if lead.pk in changed else portrait.pk)
        assert (lead.evaluated_at > LONG_AGO) is (lead.pk in changed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lead_rewritten_while_its_chunk_waits_is_evaluated_from_what_was_committed():
    import threading

    from django.db import connection, transaction

    portrait = published_portrait(segments=[("Large", LARGE, 1)])
    lead = make_lead(employees=300, country="UA", industry="62.01")
    locked, rewritten = threading.Event(), threading.Event()

    def lock_then_rewrite():
        with transaction.atomic():
            Lead.objects.select_for_update().get(pk=lead.pk)
            locked.set()
            rewritten.wait(10)
            # The evaluation read the lead as Large before this commits.
            Lead.objects.filter(pk=lead.pk).update(employees=5)

    writer, writer_failures = in_own_connection(lock_then_rewrite)
    assert locked.wait(10)
    evaluation, evaluation_failures = in_own_connection(
        lambda: writes.leads_evaluate_range(
            portrait=portrait, lower_id=lead.pk, upper_id=lead.pk + 1
        )
    )
    with connection.cursor() as cursor:
        for _attempt in range(200):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the evaluation never waited for the lead's lock")
    rewritten.set()
    writer.join(10)
    evaluation.join(10)

    assert writer_failures + evaluation_failures == []
    # Evaluated as committed (5 employees: not Large), not as read before the wait.
    lead.refresh_from_db()
    assert lead.employees == 5
    assert stored(lead) == expected(lead, portrait)
    assert lead.segment_id is None
