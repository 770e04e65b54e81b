"""Scenario 4: one lead through the Python predicate, microseconds per lead.

Two figures over the same generated leads: the product's ``evaluate_values``
(verdict, score and the per-condition explanation, as ``lead_explain`` and a
form save use it) and the compiled predicates alone, compiled once and called
per lead (the floor the first could reach by caching its compilation).
"""

from __future__ import annotations

import time

from bench.context import Context
from bench.report import Row
from portrait.demo import EXCLUSIONS, SEGMENTS
from qualification import demo_data as data


def _values(lead: dict) -> dict:
    values = {key: value for key, value in lead.items() if key != "updated_at"}
    values["source_updated_at"] = lead["updated_at"]
    return values


def run(context: Context) -> list[Row]:
    from portrait.criteria import compile_predicate
    from qualification.scoring import Rule, evaluate_values, top_level_clauses

    count = context.leads["predicate"]
    leads = [_values(lead) for lead in data.generate_leads(count, seed=context.seed)]
    segments = [
        Rule(id=index + 1, name=item["name"], criteria=item["criteria"], priority=item["priority"])
        for index, item in enumerate(SEGMENTS)
    ]
    exclusions = [
        Rule(id=index + 1, name=item["name"], criteria=item["criteria"])
        for index, item in enumerate(EXCLUSIONS)
    ]

    started = time.perf_counter()
    for values in leads:
        evaluate_values(values, segments=segments, exclusions=exclusions)
    full = (time.perf_counter() - started) / count * 1e6

    compiled = [compile_predicate(rule.criteria) for rule in exclusions + segments]
    compiled += [
        compile_predicate(clause)
        for rule in segments
        for clause in top_level_clauses(rule.criteria)
    ]
    started = time.perf_counter()
    for values in leads:
        for predicate in compiled:
            predicate(values)
    floor = (time.perf_counter() - started) / count * 1e6

    started = time.perf_counter()
    for _ in range(200):
        for rule in exclusions + segments:
            compile_predicate(rule.criteria)
    compile_cost = (time.perf_counter() - started) / 200 * 1e6
    context.log(f"predicate: {full:.0f} µs full, {floor:.0f} µs precompiled")
    return [
        Row(
            "4 predicate",
            "evaluate_values per lead",
            "µs",
            full,
            limit=floor,
            note=(
                f"{count:,} leads, 8 segments + 3 exclusions; limit = the same predicates "
                f"compiled once; compiling the portrait's 11 rules costs {compile_cost:.0f} µs"
            ),
        ),
    ]
