"""Criteria as sentences: pure code, no database."""

import pytest
from django.utils import translation

from portrait.criteria.catalogue import OPERATORS
from portrait.criteria.wording import condition_text, criteria_lines, value_text


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ({"field": "employees", "op": "gte", "value": 50}, "employees ≥ 50"),
        ({"field": "country", "op": "eq", "value": "RU"}, "country = RU"),
        ({"field": "country", "op": "in", "value": ["UA", "PL"]}, "country is one of UA, PL"),
        ({"field": "industry", "op": "startswith", "value": "62"}, "industry starts with 62"),
        (
            {"field": "employees", "op": "between", "value": [10, 50]},
            "employees is between 10 and 50",
        ),
        ({"field": "employees", "op": "between", "value": 10}, "employees is between 10"),
        ({"field": "region", "op": "is_null", "value": True}, "region is empty"),
        ({"field": "region", "op": "is_null", "value": False}, "region is filled in"),
        ({"field": "attributes.vip", "op": "eq", "value": True}, "attributes.vip = yes"),
        ({"field": "attributes.vip", "op": "ne", "value": False}, "attributes.vip ≠ no"),
        ({"field": "region", "op": "eq", "value": None}, "region = —"),
        ({"field": "region", "op": "zz", "value": 1}, "region zz 1"),
    ],
)
def test_a_condition_reads_as_a_sentence(condition, text):
    assert condition_text(condition) == text


def test_every_catalogued_operator_reads_with_the_catalogue_words():
    texts = {op: condition_text({"field": "f", "op": op, "value": "v"}) for op in OPERATORS}

    assert texts == {
        "eq": "f = v",
        "ne": "f ≠ v",
        "lt": "f < v",
        "lte": "f ≤ v",
        "gt": "f > v",
        "gte": "f ≥ v",
        "in": "f is one of v",
        "not_in": "f is none of v",
        "between": "f is between v",
        "contains": "f contains v",
        "icontains": "f contains, ignoring case v",
        "startswith": "f starts with v",
        "is_null": "f is empty",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (True, "yes"), (False, "no"), (3, "3"), (["a", [1, None]], "a, 1, —")],
)
def test_a_value_is_shown_in_words(value, text):
    assert value_text(value) == text


def test_a_rule_reads_as_indented_lines_of_groups_negations_and_conditions():
    rule = {
        "all": [
            {"field": "employees", "op": "gte", "value": 50},
            {"any": [{"field": "country", "op": "in", "value": ["UA", "PL"]}]},
            {"not": {"field": "annual_revenue", "op": "lt", "value": 100000}},
        ]
    }

    assert criteria_lines(rule) == [
        {"depth": 0, "text": "all of:", "is_group": True},
        {"depth": 1, "text": "employees ≥ 50"},
        {"depth": 1, "text": "any of:", "is_group": True},
        {"depth": 2, "text": "country is one of UA, PL"},
        {"depth": 1, "text": "not:", "is_group": True},
        {"depth": 2, "text": "annual_revenue < 100000"},
    ]


def test_a_rule_that_is_no_object_reads_as_its_value():
    assert criteria_lines(["x", 1]) == [{"depth": 0, "text": "x, 1"}]


def test_the_wording_is_translated_in_the_active_language():
    with translation.override("pl"):
        texts = [
            condition_text({"field": "country", "op": "in", "value": ["UA", "PL"]}),
            condition_text({"field": "employees", "op": "between", "value": [10, 50]}),
            condition_text({"field": "region", "op": "is_null", "value": False}),
            criteria_lines({"all": []})[0]["text"],
            value_text(True),
        ]

    assert texts == [
        "country jest jednym z UA, PL",
        "employees mieści się w przedziale od 10 do 50",
        "region jest wypełnione",
        "wszystkie z:",
        "tak",
    ]
