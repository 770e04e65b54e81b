"""Scenario 1: re-evaluation of every lead against the published benchmark portrait.

Measured: the product's background run end to end (plan, chunk tasks on the
Celery worker, finish) against (a) one hand-written SQL UPDATE and (b) a loop
over leads calling the Python predicate and saving each (sampled, extrapolated).
All three must give the same segment, verdict, score and exclusions per lead.

Then two more publishes, each changing one segment's rule so that about a tenth of
the outcomes change, timed the same way against the same hand-written UPDATE: a new
version as the admin makes one (copied, one segment edited), and the change undone
the same way. Segments and exclusions keep their identity across versions, so each
run skips the leads the change cannot reach and writes only those whose outcome
changes. Each is checked against the Python predicate on a sample.
"""

from __future__ import annotations

import contextlib
import copy
import resource
import time

from bench import environment, limit_sql
from bench.context import Context
from bench.environment import make_user
from bench.report import Row
from bench.scenarios.common import create_benchmark_portrait, publish
from bench.servers import CeleryWorker

COLUMNS = "id, segment_id, suggested_verdict, fit_score, exclusions_hit"


def _execute(sql: str, parameters=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.rowcount


def _snapshot(name: str) -> None:
    from qualification.models import Lead

    _execute(f"DROP TABLE IF EXISTS {name}")
    _execute(f'CREATE UNLOGGED TABLE {name} AS SELECT {COLUMNS} FROM "{Lead._meta.db_table}"')


def _differences(name: str) -> int:
    from django.db import connection

    from qualification.models import Lead

    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT (SELECT count(*) FROM (SELECT {COLUMNS} FROM "{table}" EXCEPT '
            f"SELECT {COLUMNS} FROM {name}) AS a) + (SELECT count(*) FROM (SELECT {COLUMNS} "
            f'FROM {name} EXCEPT SELECT {COLUMNS} FROM "{table}") AS b)'
        )
        return cursor.fetchone()[0]


# One segment's rule changed, about a tenth of the outcomes with it (10.6 % of the
# generated leads): the mid-market segment starts at 200 employees rather than 50.
CHANGED_SEGMENT = "Mid-market in our region"
CHANGED_FROM = 50
CHANGED_TO = 200
_OUTCOMES = "bench_outcomes_before"


def _copy_with_employees_from(portrait, employees_from: int):
    """A draft copied from ``portrait`` with the changed segment's lower bound moved."""
    from portrait.models import Segment
    from portrait.services import portrait_copy_as_draft

    draft = portrait_copy_as_draft(portrait=portrait, user=make_user("bench-admin", "admins"))
    segment = draft.segments.get(name=CHANGED_SEGMENT)
    criteria = copy.deepcopy(segment.criteria)
    criteria["all"][0]["value"] = [employees_from, criteria["all"][0]["value"][1]]
    # As the admin's inline edits one segment: the others stay as they were copied.
    Segment.objects.filter(pk=segment.pk).update(criteria=criteria)
    return draft


def _outcomes_snapshot() -> None:
    """Each lead's outcome by names rather than ids, which change with the version."""
    _execute(f"DROP TABLE IF EXISTS {_OUTCOMES}")
    _execute(f"CREATE UNLOGGED TABLE {_OUTCOMES} AS {_outcomes_query()}")


def _outcomes_query() -> str:
    from portrait.models import Exclusion, Segment
    from qualification.models import Lead

    return (
        "SELECT lead.id, segment.name AS segment, lead.suggested_verdict, "
        "lead.fit_score, ARRAY(SELECT exclusion.name FROM jsonb_array_elements_text("
        f'lead.exclusions_hit) AS hit(id) JOIN "{Exclusion._meta.db_table}" AS exclusion '
        "ON exclusion.id = hit.id::bigint ORDER BY 1) AS exclusions "
        f'FROM "{Lead._meta.db_table}" AS lead '
        f'LEFT JOIN "{Segment._meta.db_table}" AS segment ON segment.id = lead.segment_id'
    )


def _outcomes_changed() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM ({_outcomes_query()}) AS now "
            f"JOIN {_OUTCOMES} AS before USING (id) WHERE (now.segment, "
            "now.suggested_verdict, now.fit_score, now.exclusions) IS DISTINCT FROM "
            "(before.segment, before.suggested_verdict, before.fit_score, before.exclusions)"
        )
        return cursor.fetchone()[0]


def _sample_differences(portrait, sample: int) -> int:
    """Leads of the first ``sample`` whose stored evaluation the Python predicate disputes."""
    from qualification.evaluation.explain import lead_values, portrait_rules
    from qualification.models import Lead
    from qualification.scoring import evaluate_values

    rules = portrait_rules(portrait)
    differing = 0
    for lead in Lead.objects.order_by("id")[:sample].iterator(chunk_size=500):
        evaluation = evaluate_values(lead_values(lead), **rules)
        expected = (
            evaluation.segment_id,
            str(evaluation.suggested_verdict),
            evaluation.fit_score,
            list(evaluation.exclusions_hit),
        )
        stored = (lead.segment_id, lead.suggested_verdict, lead.fit_score, lead.exclusions_hit)
        differing += expected != stored
    return differing


def _publish_change(draft, context: Context, *, sample: int) -> dict:
    """Publish ``draft`` as measured; what it wrote, what it changed, what the sample says."""
    from django.utils import timezone

    from qualification.models import Lead

    _outcomes_snapshot()
    environment.vacuum_analyze()
    before = timezone.now()
    seconds, _peak, evaluation_run = _product(draft, context)
    return {
        "seconds": seconds,
        "written": Lead.objects.filter(updated_at__gt=before).count(),
        "changed": _outcomes_changed(),
        "differences": _sample_differences(draft, sample),
        "chunks": evaluation_run.total_chunks,
        "evaluated": evaluation_run.lead_count,
    }


def _reset_evaluations() -> None:
    from qualification.models import Lead

    Lead.objects.update(
        segment=None,
        suggested_verdict=None,
        fit_score=None,
        exclusions_hit=[],
        evaluated_portrait=None,
        evaluated_at=None,
    )
    environment.vacuum_analyze()


def _naive(portrait, sample: int) -> tuple[float, dict[int, tuple]]:
    """The naive loop on the first ``sample`` leads: predicate in Python, ``save()`` each."""
    from django.utils import timezone

    from qualification.evaluation.explain import lead_values, portrait_rules
    from qualification.models import Lead
    from qualification.scoring import evaluate_values

    rules = portrait_rules(portrait)
    results = {}
    started = time.perf_counter()
    for lead in Lead.objects.order_by("id")[:sample].iterator(chunk_size=500):
        evaluation = evaluate_values(lead_values(lead), **rules)
        lead.segment_id = evaluation.segment_id
        lead.suggested_verdict = evaluation.suggested_verdict
        lead.fit_score = evaluation.fit_score
        lead.exclusions_hit = evaluation.exclusions_hit
        lead.evaluated_portrait = portrait
        lead.evaluated_at = timezone.now()
        lead.save()
        results[lead.id] = (
            evaluation.segment_id,
            str(evaluation.suggested_verdict),
            evaluation.fit_score,
            list(evaluation.exclusions_hit),
        )
    return time.perf_counter() - started, results


def _limit(portrait) -> tuple[float, str, dict[str, float]]:
    from qualification.models import Lead

    segments = list(portrait.segments.order_by("id"))  # portrait/demo.py order
    order = sorted(range(len(segments)), key=lambda i: (segments[i].priority, segments[i].id))
    parameters = limit_sql.parameters(
        portrait_id=portrait.id,
        segment_ids=[segment.id for segment in segments],
        exclusion_ids=[exclusion.id for exclusion in portrait.exclusions.order_by("id")],
    )
    table = Lead._meta.db_table
    timings = {}
    for name, build in (("inline", limit_sql.update_inline), ("once", limit_sql.update_once)):
        environment.vacuum_analyze()
        started = time.perf_counter()
        _execute(build(table, segment_order=order), parameters)
        timings[name] = time.perf_counter() - started
        _snapshot(f"bench_limit_{name}")
    best = min(timings, key=timings.get)
    return timings[best], best, timings


def _product(portrait, context: Context) -> tuple[float, float, object]:
    from qualification.models import EvaluationRun

    worker = CeleryWorker(concurrency=2) if context.celery else contextlib.nullcontext()
    with worker:
        started = time.perf_counter()
        publish(portrait)  # the product starts its background run on commit
        while True:
            runs = list(EvaluationRun.objects.filter(portrait=portrait))
            if runs and all(run.status not in ("pending", "running") for run in runs):
                break
            if not runs and time.perf_counter() - started > 60:
                raise RuntimeError("publishing started no evaluation run within 60 s")
            if context.celery:
                worker.sample_peak()
                if worker.process.poll() is not None:
                    raise RuntimeError("the Celery worker died during the run")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    if len(runs) != 1:
        raise RuntimeError(f"publishing started {len(runs)} runs, not one")
    run = runs[0]
    if context.celery:
        peak = worker.peak_mb
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return seconds, peak, run


def run(context: Context) -> list[Row]:
    from django.db.models import Count

    from qualification.models import Lead

    count = context.leads["reevaluation"]
    context.log(f"re-evaluation: loading {count:,} leads")
    environment.truncate_leads()
    # A draft: its segment ids serve the naive loop and the limit; publishing it is measured.
    portrait = create_benchmark_portrait()
    load_seconds = environment.load_leads(count, seed=context.seed, log=context.log)
    context.log(f"re-evaluation: loaded in {load_seconds:.1f}s; naive loop on a sample")

    sample = min(context.naive_sample, count)
    naive_seconds, naive_results = _naive(portrait, sample)
    naive_total = naive_seconds / sample * count
    context.log(f"re-evaluation: naive {naive_seconds:.1f}s for {sample}; the SQL limit")

    limit_seconds, limit_shape, limit_timings = _limit(portrait)
    context.log(f"re-evaluation: limit {limit_timings}; the product's run")

    _reset_evaluations()
    product_seconds, peak_mb, evaluation_run = _product(portrait, context)
    context.log(f"re-evaluation: product {product_seconds:.2f}s, worker peak {peak_mb:.0f} MB")

    differences = {name: _differences(f"bench_limit_{name}") for name in limit_timings}
    stored = {
        row[0]: (row[1], row[2], row[3], row[4])
        for row in Lead.objects.filter(id__in=list(naive_results)).values_list(
            "id", "segment_id", "suggested_verdict", "fit_score", "exclusions_hit"
        )
    }
    naive_differences = sum(1 for key, value in naive_results.items() if stored.get(key) != value)
    identical = not any(differences.values()) and naive_differences == 0
    distribution = dict(
        Lead.objects.values_list("suggested_verdict").annotate(n=Count("id")).order_by()
    )
    matched = Lead.objects.filter(segment__isnull=False).count()

    context.log("re-evaluation: a new version changing one segment")
    change_sample = min(context.naive_sample, count)
    changed = _copy_with_employees_from(portrait, CHANGED_TO)
    as_made = _publish_change(changed, context, sample=change_sample)
    context.log(f"re-evaluation: {as_made}; the change undone")
    undone = _copy_with_employees_from(changed, CHANGED_FROM)
    kept = _publish_change(undone, context, sample=change_sample)
    context.log(f"re-evaluation: {kept}")

    ratio = product_seconds / limit_seconds
    speedup = naive_total / product_seconds
    workers = "Celery worker, 2 processes" if context.celery else "in-process (no Redis)"
    shapes = ", ".join(f"{name} {value:.2f}s" for name, value in limit_timings.items())
    change_differences = as_made["differences"] + kept["differences"]
    rows = [
        Row(
            "1 re-evaluation",
            f"{count:,} leads, every outcome new",
            "s",
            product_seconds,
            limit=limit_seconds,
            naive=naive_total,
            target="≤0.75× limit, ≥50× naive",
            passed=ratio <= 0.75 and speedup >= 50,
            note=(
                f"{evaluation_run.total_chunks} chunks on the {workers}; limit = hand-written "
                f"UPDATE ({limit_shape}; {shapes}); "
                f"naive extrapolated from {sample:,} leads ({naive_seconds:.2f}s); "
                f"verdicts {distribution}, {matched:,} in a segment"
            ),
        ),
    ]
    for metric, figures, how in (
        ("a new version, one segment changed", as_made, "copied and one segment edited"),
        ("the change undone", kept, "copied again and the segment edited back"),
    ):
        rows.append(
            Row(
                "1 re-evaluation",
                f"{metric}: {figures['changed'] / count:.1%} of outcomes",
                "s",
                figures["seconds"],
                limit=limit_seconds,
                target="≤0.3× limit",
                passed=figures["seconds"] <= 0.3 * limit_seconds,
                note=(
                    f"{how}; {figures['changed']:,} outcomes changed (segment and exclusions "
                    f"by name), {figures['written']:,} leads written "
                    f"({figures['written'] / count:.1%}), {figures['evaluated']:,} evaluated "
                    f"({figures['evaluated'] / count:.1%}, the rest settled); "
                    f"{figures['chunks']} chunks; limit = the hand-written UPDATE above"
                ),
                extra={key: figures[key] for key in ("changed", "written", "evaluated")},
            )
        )
    rows += [
        Row(
            "1 re-evaluation",
            "identical assignments",
            "differing leads",
            float(sum(differences.values()) + naive_differences + change_differences),
            target="0",
            passed=identical and change_differences == 0,
            note=(
                f"product vs limit: {differences}; product vs naive on the sample: "
                f"{naive_differences}; after each one-segment publish, the Python predicate "
                f"on {change_sample:,} leads: {as_made['differences']}, {kept['differences']}"
            ),
        ),
        Row(
            "1 re-evaluation",
            "worker peak memory",
            "MB",
            peak_mb,
            target="<300 MB",
            passed=peak_mb < 300,
            note="VmHWM of the worker and its pool processes" if context.celery else "",
        ),
    ]
    return rows
