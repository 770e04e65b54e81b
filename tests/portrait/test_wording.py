"""Criteria as sentences: pure code, no database."""

import pytest
from django.utils import translation

from portrait.criteria.catalogue import OPERATORS
from portrait.criteria.industries import industry_name
from portrait.criteria.wording import (
    condition_html,
    condition_sentence,
    condition_text,
    criteria_lines,
    criteria_sentences,
    field_label,
    value_text,
)


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


# Sentences for people ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ({"field": "employees", "op": "gte", "value": 50}, "Employees is at least 50"),
        ({"field": "employees", "op": "lt", "value": 12000}, "Employees is less than 12,000"),
        ({"field": "country", "op": "eq", "value": "RU"}, "Country is RU"),
        ({"field": "country", "op": "ne", "value": "RU"}, "Country is not RU"),
        ({"field": "country", "op": "in", "value": ["UA", "PL"]}, "Country is one of UA, PL"),
        (
            {"field": "industry", "op": "startswith", "value": "62"},
            "Industry starts with 62 (Computer programming, consultancy and related activities)",
        ),
        (
            {"field": "industry", "op": "in", "value": ["62.01", "99.99"]},
            "Industry is one of 62.01 (Computer programming activities), 99.99",
        ),
        (
            {"field": "annual_revenue", "op": "between", "value": [1000000, 5000000]},
            "Annual revenue is between 1,000,000 and 5,000,000",
        ),
        ({"field": "region", "op": "is_null", "value": True}, "Region is empty"),
        ({"field": "region", "op": "is_null", "value": False}, "Region is filled in"),
        ({"field": "attributes.vip", "op": "eq", "value": True}, "Attribute “vip” is yes"),
        (
            {"field": "channel", "op": "icontains", "value": "Web"},
            "Channel contains Web, in any case",
        ),
        ({"field": "region", "op": "zz", "value": 1}, "Region zz 1"),
    ],
)
def test_a_condition_reads_as_a_sentence_with_labels_and_formatted_values(condition, text):
    assert condition_sentence(condition) == text


def test_every_catalogued_operator_has_a_sentence_naming_no_field():
    for op in OPERATORS:
        text = condition_sentence({"field": "company_name", "op": op, "value": "x"})
        assert text.startswith("Company name ")
        assert "company_name" not in text


def test_the_html_sentence_escapes_the_rule_and_wraps_each_value_in_bdi():
    html = condition_html({"field": "attributes.tag", "op": "in", "value": ["<b>", "שלום"]})
    assert html == "Attribute “tag” is one of <bdi>&lt;b&gt;</bdi>, <bdi>שלום</bdi>"


def test_a_rule_reads_as_sentences_with_each_lines_result_for_a_lead():
    rule = {
        "all": [
            {"field": "employees", "op": "gte", "value": 50},
            {"any": [{"field": "country", "op": "in", "value": ["UA", "PL"]}]},
            {"not": {"field": "annual_revenue", "op": "lt", "value": 100000}},
        ]
    }
    results = [
        {"matched": True, "actual": 80},
        {"matched": False, "actual": "DE"},
        {"matched": False, "actual": None},
    ]

    lines = criteria_sentences(rule, results)

    assert [(line["depth"], line["text"], line["matched"]) for line in lines] == [
        (0, "All of these:", False),
        (1, "Employees is at least 50", True),
        (1, "At least one of these:", False),
        (2, "Country is one of UA, PL", False),
        (1, "Not this:", True),
        (2, "Annual revenue is less than 100,000", False),
    ]
    assert [line.get("actual_html") for line in lines if not line.get("is_group")] == [
        "<bdi>80</bdi>",
        "<bdi>DE</bdi>",
        "<bdi>—</bdi>",
    ]


def test_the_sentences_use_the_readers_language_for_labels_and_numbers():
    with translation.override("uk"):
        text = condition_sentence({"field": "employees", "op": "gte", "value": 12000})
        label = field_label("country")
    assert text.startswith("Працівники ")
    assert "12\xa0000" in text
    assert label == "Країна"


def test_an_industry_code_is_named_by_its_class_else_its_division():
    assert industry_name("62.01") == "Computer programming activities"
    assert industry_name("62.05") == "Computer programming, consultancy and related activities"
    assert industry_name("00.00") is None
    assert industry_name("6") is None
