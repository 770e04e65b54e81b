"""The portrait's verdict rules and the fit score, as pure functions.

The bulk path (``qualification.evaluation``) computes the same rules in
SQL; these functions are the reference it is tested against and what the
per-lead explanation uses.

Suggested verdict (DESIGN.md): ``not_interesting`` if any exclusion matches;
else ``interesting`` with the matching segment of lowest ``priority`` number
(ties: the lower id); else ``needs_review`` if the lead lacks a value (missing
or null) for some field that a segment's criteria use; else ``not_interesting``.

Fit score, an integer from 0 to 100:
- 0 if an exclusion matches;
- 100 if a segment matches;
- otherwise the best, over the portrait's segments, of the share of that
  segment's *top-level clauses* the lead satisfies, as a percentage rounded
  down: ``max over segments of floor(100 × satisfied / clauses)``. The
  top-level clauses of a segment are the children of its root ``all``; any
  other root (a single condition, ``any``, ``not``) is one clause. With no
  segments the score is 0.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qualification.choices import SuggestedVerdict


def top_level_clauses(tree: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The clauses the fit score counts: the children of a root ``all``, else the tree."""
    children = tree.get("all") if isinstance(tree, Mapping) else None
    if isinstance(children, list) and children:
        return list(children)
    return [tree]


def suggested_verdict(
    *, exclusion_matched: bool, segment_matched: bool, lacks_segment_field: bool
) -> str:
    """Apply the verdict rules in their order of precedence."""
    if exclusion_matched:
        return SuggestedVerdict.NOT_INTERESTING
    if segment_matched:
        return SuggestedVerdict.INTERESTING
    if lacks_segment_field:
        return SuggestedVerdict.NEEDS_REVIEW
    return SuggestedVerdict.NOT_INTERESTING


def fit_score(
    *,
    exclusion_matched: bool,
    segment_matched: bool,
    clause_results: Sequence[Sequence[bool]],
) -> int:
    """The documented fit score; ``clause_results`` holds each segment's top-level results."""
    if exclusion_matched:
        return 0
    if segment_matched:
        return 100
    best = 0
    for results in clause_results:
        if results:
            best = max(best, 100 * sum(1 for result in results if result) // len(results))
    return best


@dataclass(frozen=True)
class Rule:
    """A segment or an exclusion as the rules see it."""

    id: int
    name: str
    criteria: Mapping[str, Any]
    priority: int = 0


@dataclass
class Evaluation:
    segment_id: int | None
    exclusions_hit: list[int]
    fit_score: int
    suggested_verdict: str
    explanation: dict = field(default_factory=dict)


def evaluate_values(
    values: Mapping[str, Any],
    *,
    segments: Sequence[Rule],
    exclusions: Sequence[Rule],
) -> Evaluation:
    """Evaluate one lead's values against a portrait's rules, with an explanation.

    ``segments`` may come in any order; the match of lowest (priority, id) wins.
    An excluded lead has no segment. A segment's ``missing_fields`` are read from
    its explanation, which holds every condition (no short-circuit) with a null
    ``actual`` for a value that is absent or null.
    """
    from portrait.criteria import compile_predicate

    exclusion_rows = []
    for rule in sorted(exclusions, key=lambda rule: rule.id):
        result = compile_predicate(rule.criteria)(values)
        exclusion_rows.append(
            {
                "id": rule.id,
                "name": rule.name,
                "matched": bool(result.matched),
                "conditions": list(result.explanation),
            }
        )
    segment_rows = []
    clause_results = []
    lacks_field = False
    for rule in sorted(segments, key=lambda rule: (rule.priority, rule.id)):
        result = compile_predicate(rule.criteria)(values)
        clauses = [
            bool(compile_predicate(clause)(values).matched)
            for clause in top_level_clauses(rule.criteria)
        ]
        clause_results.append(clauses)
        missing = sorted(
            {condition["field"] for condition in result.explanation if condition["actual"] is None}
        )
        lacks_field = lacks_field or bool(missing)
        segment_rows.append(
            {
                "id": rule.id,
                "name": rule.name,
                "priority": rule.priority,
                "matched": bool(result.matched),
                "clauses_satisfied": sum(clauses),
                "clauses": len(clauses),
                "missing_fields": missing,
                "conditions": list(result.explanation),
            }
        )
    hit = [row["id"] for row in exclusion_rows if row["matched"]]
    matched_segment = next((row["id"] for row in segment_rows if row["matched"]), None)
    excluded = bool(hit)
    return Evaluation(
        segment_id=None if excluded else matched_segment,
        exclusions_hit=hit,
        fit_score=fit_score(
            exclusion_matched=excluded,
            segment_matched=matched_segment is not None,
            clause_results=clause_results,
        ),
        suggested_verdict=suggested_verdict(
            exclusion_matched=excluded,
            segment_matched=matched_segment is not None,
            lacks_segment_field=lacks_field,
        ),
        explanation={"segments": segment_rows, "exclusions": exclusion_rows},
    )
