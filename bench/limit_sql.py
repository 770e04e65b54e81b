"""The physical limit of scenario 1: the benchmark portrait written by hand in SQL.

Each predicate of ``portrait/demo.py`` is written here directly as SQL text,
independently of the product's ``compile_q``, with the same semantics (a
missing, null or wrongly typed value makes a condition false; ``not`` is plain
negation). The ids of the portrait's segments and exclusions are parameters.
Two shapes of the same UPDATE are offered; the benchmark takes the faster.
"""

from __future__ import annotations


def _attribute_number(key: str, comparison: str) -> str:
    return (
        f"CASE WHEN jsonb_typeof(attributes->'{key}') = 'number' "
        f"THEN (attributes->>'{key}')::numeric {comparison} ELSE false END"
    )


def _attribute_contains(key: str, item: str) -> str:
    return (
        f"CASE jsonb_typeof(attributes->'{key}') "
        f"WHEN 'array' THEN attributes->'{key}' @> '[\"{item}\"]'::jsonb "
        f"WHEN 'string' THEN strpos(attributes->>'{key}', '{item}') > 0 ELSE false END"
    )


def _attribute_in(key: str, *items: str) -> str:
    listed = ", ".join(f"'\"{item}\"'::jsonb" for item in items)
    return f"COALESCE(attributes->'{key}' IN ({listed}), false)"


CERTIFIED = "COALESCE(attributes->'certified' = 'true'::jsonb, false)"

# Top-level clauses of each segment, in the order of portrait/demo.py (the fit
# score counts them); a segment matches when all its clauses hold.
SEGMENT_CLAUSES: list[list[str]] = [
    [
        "COALESCE(country IN ('UA', 'PL'), false)",
        "COALESCE(industry LIKE '62%%', false)",
        "COALESCE(employees BETWEEN 50 AND 1000, false)",
        _attribute_contains("stack", "python"),
        "NOT COALESCE(annual_revenue < 200000, false)",
    ],
    [
        "COALESCE(employees >= 1000, false)",
        "COALESCE(annual_revenue >= 50000000, false)",
        "COALESCE(industry LIKE '62%%' OR industry LIKE '63%%', false)",
        _attribute_in("tier", "gold", "silver"),
    ],
    [
        CERTIFIED,
        f"({_attribute_contains('stack', 'sap')}) OR ({_attribute_contains('stack', 'dotnet')})",
        "COALESCE(country IN ('DE', 'PL', 'CZ', 'SK', 'LT'), false)",
        "COALESCE(employees >= 20, false)",
    ],
    [
        _attribute_number("founded", ">= 2015"),
        "COALESCE(employees BETWEEN 5 AND 200, false)",
        _attribute_in("cloud", "aws", "gcp"),
        "COALESCE(channel IN ('event', 'referral'), false)",
    ],
    [
        "COALESCE(industry LIKE '58%%', false)",
        "COALESCE(employees >= 10, false)",
        "NOT COALESCE(country = 'US', false)",
    ],
    [
        "COALESCE(industry IN ('70.22', '70.21'), false)",
        "COALESCE(annual_revenue BETWEEN 1000000 AND 100000000, false)",
        _attribute_contains("languages", "en"),
    ],
    [
        "COALESCE(industry LIKE '72%%', false)",
        f"COALESCE(attributes->'tier' = '\"gold\"'::jsonb, false) OR {CERTIFIED}",
    ],
    [
        "COALESCE(employees BETWEEN 50 AND 5000, false)",
        "COALESCE(country IN ('UA', 'PL', 'DE', 'CZ', 'SK', 'LT', 'RO'), false)",
        "COALESCE(channel <> 'ads', false)",
    ],
]

EXCLUSIONS: list[str] = [
    "COALESCE(country IN ('RU', 'BY'), false) OR (country IS NULL AND region IS NULL)",
    "COALESCE(attributes->'competitor' = 'true'::jsonb, false)"
    " OR strpos(lower(company_name), 'rival') > 0",
    "COALESCE(employees < 3, false) AND NOT COALESCE(channel = 'partner', false)",
]

# A lead lacks a value some segment uses: needs review unless matched or excluded.
LACKING = " OR ".join(
    [f"{column} IS NULL" for column in ("country", "industry", "employees", "annual_revenue")]
    + ["channel IS NULL"]
    + [
        f"COALESCE(jsonb_typeof(attributes->'{key}'), 'null') = 'null'"
        for key in ("stack", "tier", "certified", "founded", "cloud", "languages")
    ]
)


def _assignments(
    excluded: list[str], segments: list[list[str]], lacking: str, *, segment_order: list[int]
) -> dict[str, str]:
    """SQL expressions of each column, over boolean expressions for each rule."""
    any_excluded = " OR ".join(f"({sql})" for sql in excluded)
    matches = [" AND ".join(f"({clause})" for clause in clauses) for clauses in segments]
    segment_case = " ".join(
        f"WHEN {matches[index]} THEN %(segment_{index})s::bigint" for index in segment_order
    )
    any_match = " OR ".join(f"({match})" for match in matches)
    shares = ", ".join(
        "100 * (" + " + ".join(f"({clause})::int" for clause in clauses) + f") / {len(clauses)}"
        for clauses in segments
    )
    hit = " || ".join(
        f"CASE WHEN {sql} THEN jsonb_build_array(%(exclusion_{index})s::bigint) "
        "ELSE '[]'::jsonb END"
        for index, sql in enumerate(excluded)
    )
    return {
        "segment_id": f"CASE WHEN {any_excluded} THEN NULL {segment_case} ELSE NULL END",
        "suggested_verdict": (
            f"CASE WHEN {any_excluded} THEN 'not_interesting' WHEN {any_match} THEN "
            f"'interesting' WHEN {lacking} THEN 'needs_review' ELSE 'not_interesting' END"
        ),
        "fit_score": (
            f"CASE WHEN {any_excluded} THEN 0 WHEN {any_match} THEN 100 ELSE GREATEST({shares}) END"
        ),
        "exclusions_hit": hit,
    }


def update_inline(table: str, *, segment_order: list[int]) -> str:
    """One UPDATE whose CASE expressions repeat each predicate where it is needed."""
    columns = _assignments(EXCLUSIONS, SEGMENT_CLAUSES, LACKING, segment_order=segment_order)
    sets = ",\n  ".join(f"{column} = {sql}" for column, sql in columns.items())
    return (
        f'UPDATE "{table}" SET\n  {sets},\n'
        "  evaluated_portrait_id = %(portrait)s, evaluated_at = now()"
    )


def update_once(table: str, *, segment_order: list[int]) -> str:
    """One UPDATE that evaluates each clause once per lead in a row sub-select."""
    names_excluded = [f"e{index}" for index in range(len(EXCLUSIONS))]
    names_segments = [
        [f"s{segment}c{clause}" for clause in range(len(clauses))]
        for segment, clauses in enumerate(SEGMENT_CLAUSES)
    ]
    columns = _assignments(names_excluded, names_segments, "lacking", segment_order=segment_order)
    projections = [f"({sql}) AS e{index}" for index, sql in enumerate(EXCLUSIONS)]
    for segment, clauses in enumerate(SEGMENT_CLAUSES):
        projections += [f"({sql}) AS s{segment}c{index}" for index, sql in enumerate(clauses)]
    projections.append(f"({LACKING}) AS lacking")
    return (
        f'UPDATE "{table}" SET (segment_id, suggested_verdict, fit_score, exclusions_hit) = '
        f"(SELECT {', '.join(columns.values())} FROM (SELECT {', '.join(projections)}) AS p),\n"
        "  evaluated_portrait_id = %(portrait)s, evaluated_at = now()"
    )


def parameters(*, portrait_id: int, segment_ids: list[int], exclusion_ids: list[int]) -> dict:
    """Statement parameters: ids in the order of ``portrait/demo.py``."""
    values: dict = {"portrait": portrait_id}
    values.update({f"segment_{index}": value for index, value in enumerate(segment_ids)})
    values.update({f"exclusion_{index}": value for index, value in enumerate(exclusion_ids)})
    return values
