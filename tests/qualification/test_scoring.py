"""The verdict rules and the fit score as pure functions (no database)."""

import pytest

from qualification import scoring
from qualification.choices import SuggestedVerdict

INTERESTING = SuggestedVerdict.INTERESTING
NOT_INTERESTING = SuggestedVerdict.NOT_INTERESTING
NEEDS_REVIEW = SuggestedVerdict.NEEDS_REVIEW


@pytest.mark.parametrize(
    ("exclusion_matched", "segment_matched", "lacks_field", "expected"),
    [
        (True, True, True, NOT_INTERESTING),
        (True, False, False, NOT_INTERESTING),
        (True, True, False, NOT_INTERESTING),
        (False, True, True, INTERESTING),
        (False, True, False, INTERESTING),
        (False, False, True, NEEDS_REVIEW),
        (False, False, False, NOT_INTERESTING),
    ],
)
def test_suggested_verdict_applies_the_rules_in_order(
    exclusion_matched, segment_matched, lacks_field, expected
):
    assert (
        scoring.suggested_verdict(
            exclusion_matched=exclusion_matched,
            segment_matched=segment_matched,
            lacks_segment_field=lacks_field,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("exclusion_matched", "segment_matched", "clause_results", "expected"),
    [
        (True, True, [[True, True]], 0),
        (True, False, [[True, False]], 0),
        (False, True, [[False, True]], 100),
        (False, False, [], 0),
        (False, False, [[False, False, False]], 0),
        (False, False, [[True, False, False]], 33),
        (False, False, [[True, True, False]], 66),
        (False, False, [[True, False], [True, True, False]], 66),
        (False, False, [[True, False, False, False], [False]], 25),
    ],
)
def test_fit_score_formula(exclusion_matched, segment_matched, clause_results, expected):
    assert (
        scoring.fit_score(
            exclusion_matched=exclusion_matched,
            segment_matched=segment_matched,
            clause_results=clause_results,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("tree", "clauses"),
    [
        ({"all": [{"field": "a"}, {"field": "b"}]}, 2),
        ({"any": [{"field": "a"}, {"field": "b"}]}, 1),
        ({"field": "employees", "op": "gte", "value": 1}, 1),
        ({"not": {"field": "a"}}, 1),
    ],
)
def test_top_level_clauses_are_the_children_of_a_root_all(tree, clauses):
    assert len(scoring.top_level_clauses(tree)) == clauses


SEGMENTS = [
    scoring.Rule(
        id=2,
        name="Large",
        priority=10,
        criteria={
            "all": [
                {"field": "employees", "op": "gte", "value": 250},
                {"field": "country", "op": "in", "value": ["UA", "PL"]},
            ]
        },
    ),
    scoring.Rule(
        id=1,
        name="Python shops",
        priority=20,
        criteria={"field": "attributes.stack", "op": "contains", "value": "python"},
    ),
    scoring.Rule(
        id=3,
        name="Same priority, higher id",
        priority=10,
        criteria={"field": "country", "op": "eq", "value": "UA"},
    ),
]
EXCLUSIONS = [
    scoring.Rule(id=7, name="Sanctioned", criteria={"field": "country", "op": "eq", "value": "RU"}),
    scoring.Rule(id=5, name="Tiny", criteria={"field": "employees", "op": "lt", "value": 5}),
]


@pytest.mark.parametrize(
    ("values", "segment_id", "exclusions_hit", "score", "verdict"),
    [
        # Matches "Large" and "Same priority": the lower id of priority 10 wins.
        ({"employees": 300, "country": "UA", "attributes": {}}, 2, [], 100, INTERESTING),
        # Only the lower priority segment matches.
        (
            {"employees": 300, "country": "DE", "attributes": {"stack": ["python"]}},
            1,
            [],
            100,
            INTERESTING,
        ),
        # Excluded twice, although a segment matches: no segment, score 0.
        ({"employees": 3, "country": "RU", "attributes": {}}, None, [5, 7], 0, NOT_INTERESTING),
        # A segment field is missing: needs review; half of "Large" satisfied.
        ({"employees": None, "country": "PL", "attributes": {}}, None, [], 50, NEEDS_REVIEW),
        # Everything known, nothing matches.
        (
            {"employees": 10, "country": "DE", "attributes": {"stack": ["go"]}},
            None,
            [],
            0,
            NOT_INTERESTING,
        ),
    ],
)
def test_evaluate_values(values, segment_id, exclusions_hit, score, verdict):
    evaluation = scoring.evaluate_values(values, segments=SEGMENTS, exclusions=EXCLUSIONS)

    assert evaluation.segment_id == segment_id
    assert evaluation.exclusions_hit == exclusions_hit
    assert evaluation.fit_score == score
    assert evaluation.suggested_verdict == verdict


def test_explanation_lists_every_segment_and_exclusion_with_conditions():
    evaluation = scoring.evaluate_values(
        {"employees": None, "country": "PL", "attributes": {}},
        segments=SEGMENTS,
        exclusions=EXCLUSIONS,
    )

    segments = evaluation.explanation["segments"]
    assert [row["id"] for row in segments] == [2, 3, 1]
    assert segments[0]["matched"] is False
    assert segments[0]["missing_fields"] == ["employees"]
    assert (segments[0]["clauses_satisfied"], segments[0]["clauses"]) == (1, 2)
    assert [condition["field"] for condition in segments[0]["conditions"]] == [
        "employees",
        "country",
    ]
    assert [row["id"] for row in evaluation.explanation["exclusions"]] == [5, 7]
