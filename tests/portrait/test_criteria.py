"""The criteria language without a database: validation paths, predicate semantics, explanation."""

import json
from decimal import Decimal

import pytest

from portrait.criteria import (
    FIELD_CATALOGUE,
    FIELD_TYPES,
    OPERATORS,
    CriteriaError,
    PredicateResult,
    compile_predicate,
    compile_q,
    normalise_criteria,
    referenced_fields,
    validate_criteria,
)

LEAD_FIELDS = (
    "company_name",
    "country",
    "region",
    "industry",
    "employees",
    "annual_revenue",
    "channel",
    "source",
)


def lead_values(**values) -> dict:
    """A lead as the predicate sees it: every column present, null unless given."""
    return {field: None for field in LEAD_FIELDS} | {"company_name": "", "attributes": {}} | values


def condition(field: str, op: str, value) -> dict:
    return {"field": field, "op": op, "value": value}


MISSING = object()


def attributes(key: str, value) -> dict:
    return {"attributes": {} if value is MISSING else {key: value}}


# (case id, lead values, rule, expected match) — shared with test_criteria_database.
SEMANTICS = [
    ("number gte above", {"employees": 60}, condition("employees", "gte", 50), True),
    ("number gte equal", {"employees": 50}, condition("employees", "gte", 50), True),
    ("number gte below", {"employees": 49}, condition("employees", "gte", 50), False),
    ("number gte null", {"employees": None}, condition("employees", "gte", 50), False),
    ("not over null", {"employees": None}, {"not": condition("employees", "gte", 50)}, True),
    ("ne null is false", {"employees": None}, condition("employees", "ne", 10), False),
    ("not ne null", {"employees": None}, {"not": condition("employees", "ne", 10)}, True),
    ("not_in null is false", {"country": None}, condition("country", "not_in", ["UA"]), False),
    ("not_in other", {"country": "DE"}, condition("country", "not_in", ["UA"]), True),
    ("in listed", {"country": "PL"}, condition("country", "in", ["UA", "PL"]), True),
    ("in unlisted", {"country": "DE"}, condition("country", "in", ["UA", "PL"]), False),
    ("int equals float", {"employees": 50}, condition("employees", "eq", 50.0), True),
    ("int below fraction", {"employees": 50}, condition("employees", "lt", 50.5), True),
    (
        "decimal equals float",
        {"annual_revenue": Decimal("0.10")},
        condition("annual_revenue", "eq", 0.1),
        True,
    ),
    (
        "between inclusive high",
        {"annual_revenue": Decimal("200.00")},
        condition("annual_revenue", "between", [100, 200]),
        True,
    ),
    (
        "between inclusive low",
        {"annual_revenue": Decimal("100")},
        condition("annual_revenue", "between", [100, 200]),
        True,
    ),
    (
        "between above",
        {"annual_revenue": Decimal("200.01")},
        condition("annual_revenue", "between", [100, 200]),
        False,
    ),
    (
        "not lt over null",
        {"annual_revenue": None},
        {"not": condition("annual_revenue", "lt", 100000)},
        True,
    ),
    ("startswith", {"industry": "62.01"}, condition("industry", "startswith", "62"), True),
    (
        "startswith elsewhere",
        {"industry": "06.2"},
        condition("industry", "startswith", "62"),
        False,
    ),
    (
        "startswith case",
        {"company_name": "AB"},
        condition("company_name", "startswith", "ab"),
        False,
    ),
    (
        "contains substring",
        {"company_name": "Softserve"},
        condition("company_name", "contains", "Soft"),
        True,
    ),
    (
        "contains case-sensitive",
        {"company_name": "softserve"},
        condition("company_name", "contains", "Soft"),
        False,
    ),
    ("eq case-sensitive", {"region": "kyiv"}, condition("region", "eq", "Kyiv"), False),
    (
        "icontains Ukrainian",
        {"company_name": "ТОВ КИЇВСОФТ"},
        condition("company_name", "icontains", "київ"),
        True,
    ),
    (
        "icontains Polish",
        {"company_name": "łódź Sp. z o.o."},
        condition("company_name", "icontains", "ŁÓDŹ"),
        True,
    ),
    (
        "icontains Russian",
        {"company_name": "ЁЛКА"},
        condition("company_name", "icontains", "ёлк"),
        True,
    ),
    (
        "icontains Greek final sigma",
        {"region": "ΟΔΟΣ"},
        condition("region", "icontains", "οδος"),
        True,
    ),
    (
        "icontains absent",
        {"company_name": "Київ"},
        condition("company_name", "icontains", "львів"),
        False,
    ),
    ("string order code points", {"company_name": "B"}, condition("company_name", "lt", "b"), True),
    ("string order non-ascii", {"company_name": "Ą"}, condition("company_name", "lt", "b"), False),
    ("is_null on null", {"region": None}, condition("region", "is_null", True), True),
    ("is_null on value", {"region": "Kyiv"}, condition("region", "is_null", True), False),
    ("present on null", {"region": None}, condition("region", "is_null", False), False),
    ("present on empty", {"region": ""}, condition("region", "is_null", False), True),
    # attributes.<key>: the JSON value must have the condition's type.
    (
        "list membership",
        attributes("stack", ["python", "go"]),
        condition("attributes.stack", "contains", "python"),
        True,
    ),
    (
        "membership is exact",
        attributes("stack", ["pythonista"]),
        condition("attributes.stack", "contains", "python"),
        False,
    ),
    (
        "membership case",
        attributes("stack", ["Python"]),
        condition("attributes.stack", "contains", "python"),
        False,
    ),
    (
        "string attribute substring",
        attributes("stack", "python3"),
        condition("attributes.stack", "contains", "python"),
        True,
    ),
    (
        "object does not contain",
        attributes("stack", {"python": 1}),
        condition("attributes.stack", "contains", "python"),
        False,
    ),
    (
        "missing does not contain",
        attributes("stack", MISSING),
        condition("attributes.stack", "contains", "python"),
        False,
    ),
    (
        "not contains missing",
        attributes("stack", MISSING),
        {"not": condition("attributes.stack", "contains", "python")},
        True,
    ),
    (
        "list icontains",
        attributes("stack", ["Python"]),
        condition("attributes.stack", "icontains", "PYTHON"),
        True,
    ),
    (
        "list icontains Cyrillic",
        attributes("stack", ["Ґудзик"]),
        condition("attributes.stack", "icontains", "ґУДЗИК"),
        True,
    ),
    (
        "list icontains exact item",
        attributes("stack", ["pythonista"]),
        condition("attributes.stack", "icontains", "python"),
        False,
    ),
    (
        "string icontains",
        attributes("stack", "I like PYTHON"),
        condition("attributes.stack", "icontains", "python"),
        True,
    ),
    (
        "number list contains",
        attributes("tags", [1, 2, 3]),
        condition("attributes.tags", "contains", 3),
        True,
    ),
    (
        "number list contains float",
        attributes("tags", [1, 3.0]),
        condition("attributes.tags", "contains", 3),
        True,
    ),
    (
        "number list string item",
        attributes("tags", ["3"]),
        condition("attributes.tags", "contains", 3),
        False,
    ),
    (
        "number list boolean item",
        attributes("tags", [True]),
        condition("attributes.tags", "contains", 1),
        False,
    ),
    (
        "boolean list contains",
        attributes("tags", [True]),
        condition("attributes.tags", "contains", True),
        True,
    ),
    (
        "boolean list number item",
        attributes("tags", [1]),
        condition("attributes.tags", "contains", True),
        False,
    ),
    (
        "number string no contains",
        attributes("tags", "123"),
        condition("attributes.tags", "contains", 2),
        False,
    ),
    ("attribute gte int", attributes("size", 10), condition("attributes.size", "gte", 10), True),
    (
        "attribute gte float",
        attributes("size", 10.5),
        condition("attributes.size", "gte", 10),
        True,
    ),
    (
        "attribute number as string",
        attributes("size", "20"),
        condition("attributes.size", "gte", 10),
        False,
    ),
    (
        "attribute boolean not number",
        attributes("size", True),
        condition("attributes.size", "gte", 0),
        False,
    ),
    (
        "attribute list not number",
        attributes("size", [20]),
        condition("attributes.size", "gte", 10),
        False,
    ),
    (
        "attribute json null",
        attributes("size", None),
        condition("attributes.size", "gte", 10),
        False,
    ),
    (
        "attribute missing",
        attributes("size", MISSING),
        condition("attributes.size", "gte", 10),
        False,
    ),
    (
        "not over wrong type",
        attributes("size", "20"),
        {"not": condition("attributes.size", "gte", 10)},
        True,
    ),
    ("ne wrong type", attributes("size", "10"), condition("attributes.size", "ne", 10), False),
    ("ne missing", attributes("size", MISSING), condition("attributes.size", "ne", 10), False),
    ("ne other", attributes("size", 11), condition("attributes.size", "ne", 10), True),
    (
        "not_in wrong type",
        attributes("size", "x"),
        condition("attributes.size", "not_in", [1, 2]),
        False,
    ),
    (
        "not_in other number",
        attributes("size", 3),
        condition("attributes.size", "not_in", [1, 2]),
        True,
    ),
    (
        "in float member",
        attributes("size", 2.0),
        condition("attributes.size", "in", [1.5, 2]),
        True,
    ),
    ("in fraction", attributes("size", 1.5), condition("attributes.size", "in", [1.5, 2]), True),
    ("boolean eq true", attributes("flag", True), condition("attributes.flag", "eq", True), True),
    ("boolean eq one", attributes("flag", 1), condition("attributes.flag", "eq", True), False),
    (
        "boolean eq text",
        attributes("flag", "true"),
        condition("attributes.flag", "eq", True),
        False,
    ),
    (
        "boolean eq false",
        attributes("flag", False),
        condition("attributes.flag", "eq", False),
        True,
    ),
    ("boolean eq zero", attributes("flag", 0), condition("attributes.flag", "eq", False), False),
    ("string eq", attributes("code", "62"), condition("attributes.code", "eq", "62"), True),
    ("string eq number", attributes("code", 62), condition("attributes.code", "eq", "62"), False),
    (
        "string startswith",
        attributes("name", "Abc"),
        condition("attributes.name", "startswith", "Ab"),
        True,
    ),
    (
        "list no startswith",
        attributes("name", ["Abc"]),
        condition("attributes.name", "startswith", "Ab"),
        False,
    ),
    (
        "string between",
        attributes("level", "c"),
        condition("attributes.level", "between", ["a", "c"]),
        True,
    ),
    (
        "string between above",
        attributes("level", "cz"),
        condition("attributes.level", "between", ["a", "c"]),
        False,
    ),
    (
        "attribute is_null missing",
        attributes("note", MISSING),
        condition("attributes.note", "is_null", True),
        True,
    ),
    (
        "attribute is_null json null",
        attributes("note", None),
        condition("attributes.note", "is_null", True),
        True,
    ),
    (
        "attribute is_null empty",
        attributes("note", ""),
        condition("attributes.note", "is_null", True),
        False,
    ),
    (
        "attribute is_null list",
        attributes("note", []),
        condition("attributes.note", "is_null", True),
        False,
    ),
    (
        "attribute present zero",
        attributes("note", 0),
        condition("attributes.note", "is_null", False),
        True,
    ),
    (
        "attribute present missing",
        attributes("note", MISSING),
        condition("attributes.note", "is_null", False),
        False,
    ),
    (
        "attributes not an object",
        {"attributes": [1]},
        condition("attributes.note", "is_null", True),
        True,
    ),
    (
        "attributes not an object eq",
        {"attributes": [1]},
        condition("attributes.note", "eq", 1),
        False,
    ),
    # Groups and negation.
    (
        "design example",
        {
            "employees": 60,
            "country": "UA",
            "industry": "58.29",
            "annual_revenue": Decimal("150000.00"),
            "attributes": {"stack": ["python"]},
        },
        {
            "all": [
                condition("employees", "gte", 50),
                condition("country", "in", ["UA", "PL"]),
                {
                    "any": [
                        condition("industry", "startswith", "62"),
                        condition("attributes.stack", "contains", "python"),
                    ]
                },
                {"not": condition("annual_revenue", "lt", 100000)},
            ]
        },
        True,
    ),
    (
        "all needs every child",
        {"employees": 60, "country": None},
        {"all": [condition("employees", "gte", 50), condition("country", "eq", "UA")]},
        False,
    ),
    (
        "any needs one child",
        {"employees": 60, "country": None},
        {"any": [condition("employees", "gte", 50), condition("country", "eq", "UA")]},
        True,
    ),
    (
        "not any over nulls",
        {"employees": None, "country": None},
        {"not": {"any": [condition("employees", "gte", 50), condition("country", "eq", "UA")]}},
        True,
    ),
    (
        "not all over one null",
        {"employees": 60, "country": None},
        {"not": {"all": [condition("employees", "gte", 50), condition("country", "eq", "UA")]}},
        True,
    ),
    (
        "double negation",
        {"employees": None},
        {"not": {"not": condition("employees", "gte", 50)}},
        False,
    ),
]


@pytest.mark.parametrize(
    ("values", "tree", "expected"),
    [pytest.param(values, tree, expected, id=name) for name, values, tree, expected in SEMANTICS],
)
def test_predicate_semantics(values, tree, expected):
    assert compile_predicate(tree)(lead_values(**values)).matched is expected


def test_predicate_treats_absent_keys_as_null():
    tree = {"not": condition("employees", "gte", 50)}
    assert compile_predicate(tree)({}).matched is True


@pytest.mark.parametrize(
    ("tree", "path"),
    [
        pytest.param([], "", id="root not an object"),
        pytest.param({}, "", id="empty node"),
        pytest.param({"all": [], "any": []}, "", id="two group keys"),
        pytest.param({"all": [condition("employees", "gt", 1)], "x": 1}, "x", id="unknown key"),
        pytest.param({"all": []}, "all", id="empty all"),
        pytest.param({"any": {"field": "employees"}}, "any", id="group not a list"),
        pytest.param({"all": [1]}, "all[0]", id="child not an object"),
        pytest.param({"field": "nope", "op": "eq", "value": 1}, "field", id="unknown field"),
        pytest.param(
            {"field": "email", "op": "eq", "value": "a"}, "field", id="field off the list"
        ),
        pytest.param(condition("attributes", "eq", 1), "field", id="bare attributes"),
        pytest.param(condition("attributes.a.b", "eq", 1), "field", id="nested attribute"),
        pytest.param(condition("attributes.1a", "eq", 1), "field", id="attribute digit first"),
        pytest.param(
            condition("attributes." + "a" * 65, "eq", 1), "field", id="attribute too long"
        ),
        pytest.param(
            {"all": [condition("employees", "gt", 1), {"any": [condition("region", "like", "x")]}]},
            "all[1].any[0].op",
            id="unknown operator",
        ),
        pytest.param({"field": "region", "op": "eq"}, "value", id="missing value"),
        pytest.param({**condition("region", "eq", "x"), "note": 1}, "note", id="extra key"),
        pytest.param(condition("employees", "eq", "50"), "value", id="number field string value"),
        pytest.param(condition("region", "eq", 5), "value", id="string field number value"),
        pytest.param(condition("region", "eq", True), "value", id="string field boolean value"),
        pytest.param(condition("employees", "eq", True), "value", id="boolean is not a number"),
        pytest.param(condition("employees", "eq", None), "value", id="null value"),
        pytest.param(condition("employees", "eq", [1]), "value", id="list for scalar operator"),
        pytest.param(condition("employees", "eq", float("nan")), "value", id="not finite"),
        pytest.param(condition("employees", "eq", 10**19), "value", id="number too large"),
        pytest.param(condition("employees", "gt", 10**400), "value", id="beyond a float"),
        pytest.param(condition("employees", "eq", float("-inf")), "value", id="minus infinity"),
        pytest.param(condition("employees", "between", [1, 2, 3]), "value", id="between of three"),
        pytest.param(condition("region", "eq", "a\x00"), "value", id="nul character"),
        pytest.param(condition("region", "eq", "\ud800"), "value", id="unpaired surrogate"),
        pytest.param(
            condition("attributes.a", "in", ["b", "\udfff"]), "value[1]", id="surrogate in a list"
        ),
        pytest.param(condition("employees", "in", []), "value", id="empty in"),
        pytest.param(condition("employees", "in", 5), "value", id="in not a list"),
        pytest.param(condition("attributes.a", "in", [1, "1"]), "value[1]", id="in mixed types"),
        pytest.param(
            condition("attributes.a", "not_in", [1, [2]]), "value[1]", id="in nested list"
        ),
        pytest.param(condition("employees", "between", [1]), "value", id="between one item"),
        pytest.param(condition("employees", "between", [1, 2, 3]), "value", id="between three"),
        pytest.param(condition("employees", "between", [5, 1]), "value", id="between reversed"),
        pytest.param(
            condition("attributes.a", "between", [1, "z"]), "value[1]", id="between mixed"
        ),
        pytest.param(
            condition("attributes.a", "between", [False, True]), "value", id="between booleans"
        ),
        pytest.param(condition("attributes.a", "lt", True), "value", id="ordering a boolean"),
        pytest.param(condition("region", "is_null", "yes"), "value", id="is_null not boolean"),
        pytest.param(condition("attributes.a", "startswith", 6), "value", id="startswith number"),
        pytest.param(condition("attributes.a", "icontains", True), "value", id="icontains boolean"),
        pytest.param(condition("attributes.a", "contains", [1]), "value", id="contains list"),
        pytest.param(condition("employees", "contains", 5), "op", id="contains on number field"),
        pytest.param(condition("employees", "startswith", "5"), "op", id="startswith on number"),
        pytest.param(condition("country", "eq", "ua"), "value", id="country lower case"),
        pytest.param(condition("country", "in", ["UA", "Poland"]), "value[1]", id="country name"),
        pytest.param({"not": {"not": {}}}, "not.not", id="empty node under not"),
        pytest.param({"not": [condition("region", "eq", "x")]}, "not", id="not over a list"),
    ],
)
def test_validation_names_the_offending_path(tree, path):
    with pytest.raises(CriteriaError) as raised:
        validate_criteria(tree)
    assert raised.value.path == path
    assert raised.value.message


def nested(depth: int) -> dict:
    tree = condition("employees", "gt", 1)
    for _ in range(depth - 1):
        tree = {"not": tree}
    return tree


def test_depth_ten_is_accepted():
    validate_criteria(nested(10))


def test_depth_eleven_is_rejected_at_the_deepest_node():
    with pytest.raises(CriteriaError) as raised:
        validate_criteria(nested(11))
    assert raised.value.path == ".".join(["not"] * 10)


def test_two_hundred_conditions_are_accepted():
    validate_criteria({"any": [condition("employees", "eq", n) for n in range(200)]})


def test_the_two_hundred_and_first_condition_is_rejected():
    with pytest.raises(CriteriaError) as raised:
        validate_criteria({"any": [condition("employees", "eq", n) for n in range(201)]})
    assert raised.value.path == "any[200]"


def test_error_message_is_translatable_text_with_the_path():
    with pytest.raises(CriteriaError) as raised:
        validate_criteria({"all": [condition("employees", "gt", "x")]})
    assert raised.value.path == "all[0].value"
    assert str(raised.value) == (
        "all[0].value: The field employees holds a number; compare it with a number."
    )


def test_the_value_type_in_an_error_message_is_translated_too():
    from django.utils import translation

    with translation.override("uk"), pytest.raises(CriteriaError) as raised:
        validate_criteria({"all": [condition("employees", "gt", "x")]})
    assert "число" in str(raised.value)
    assert "number" not in str(raised.value)


@pytest.mark.parametrize(
    "tree",
    [
        condition("attributes.stack", "contains", "python"),
        condition("attributes.flag", "in", [True, False]),
        condition("attributes.level", "between", ["a", "c"]),
        condition("attributes._x9", "is_null", False),
        condition("country", "startswith", "U"),
        condition("annual_revenue", "between", [0.5, 1e18]),
    ],
)
def test_valid_conditions_pass(tree):
    validate_criteria(tree)


def test_every_operator_and_field_is_catalogued():
    assert set(OPERATORS) == {
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "in",
        "not_in",
        "between",
        "contains",
        "icontains",
        "startswith",
        "is_null",
    }
    assert FIELD_TYPES == {
        "company_name": "string",
        "country": "string",
        "region": "string",
        "industry": "string",
        "employees": "number",
        "annual_revenue": "number",
        "channel": "string",
        "source": "string",
    }
    assert [entry.name for entry in FIELD_CATALOGUE] == [*FIELD_TYPES, "attributes.<key>"]


EXAMPLE = {
    "all": [
        condition("employees", "gte", 50),
        {"not": condition("attributes.stack", "contains", "python")},
        {
            "any": [
                condition("annual_revenue", "between", [1, 2]),
                condition("region", "is_null", True),
            ]
        },
    ]
}


def test_explanation_has_one_entry_per_condition_in_document_order():
    result = compile_predicate(EXAMPLE)(
        lead_values(
            employees=60,
            annual_revenue=Decimal("1.50"),
            attributes={"stack": ["go", Decimal("2.5")]},
        )
    )
    assert result == PredicateResult(
        matched=True,
        explanation=[
            {
                "path": "all[0]",
                "field": "employees",
                "op": "gte",
                "value": 50,
                "actual": 60,
                "matched": True,
            },
            {
                "path": "all[1].not",
                "field": "attributes.stack",
                "op": "contains",
                "value": "python",
                "actual": ["go", "2.5"],
                "matched": False,
            },
            {
                "path": "all[2].any[0]",
                "field": "annual_revenue",
                "op": "between",
                "value": [1, 2],
                "actual": "1.50",
                "matched": True,
            },
            {
                "path": "all[2].any[1]",
                "field": "region",
                "op": "is_null",
                "value": True,
                "actual": None,
                "matched": True,
            },
        ],
    )
    json.dumps(result.explanation)


def test_explanation_of_a_missing_attribute_shows_null():
    tree = condition("attributes.size", "gt", 1)
    result = compile_predicate(tree)(lead_values())
    assert result.explanation == [
        {
            "path": "",
            "field": "attributes.size",
            "op": "gt",
            "value": 1,
            "actual": None,
            "matched": False,
        }
    ]


def test_predicate_results_do_not_share_explanations():
    predicate = compile_predicate(condition("employees", "gt", 1))
    first = predicate(lead_values(employees=2))
    second = predicate(lead_values(employees=0))
    assert (first.matched, second.matched) == (True, False)
    assert len(first.explanation) == 1
    assert first.explanation[0]["actual"] == 2


def test_referenced_fields():
    assert referenced_fields(EXAMPLE) == {
        "employees",
        "attributes.stack",
        "annual_revenue",
        "region",
    }


def test_referenced_fields_rejects_an_invalid_tree():
    with pytest.raises(CriteriaError):
        referenced_fields({"all": []})


def test_compilers_reject_an_invalid_tree():
    with pytest.raises(CriteriaError):
        compile_predicate(condition("employees", "eq", "x"))
    with pytest.raises(CriteriaError):
        compile_q(condition("employees", "eq", "x"))


def test_normalise_is_a_canonical_copy():
    tree = {"any": [{"value": ("UA",), "op": "in", "field": "country"}]}
    assert normalise_criteria(tree) == {"any": [{"field": "country", "op": "in", "value": ["UA"]}]}
    assert list(normalise_criteria(tree)["any"][0]) == ["field", "op", "value"]


def test_compile_q_is_deterministic_and_honours_the_prefix():
    first = compile_q(EXAMPLE, prefix="lead__")
    second = compile_q(EXAMPLE, prefix="lead__")
    assert first == second
    columns = [child.column.name for child in first.flatten() if hasattr(child, "column")]
    assert columns == [
        "lead__employees",
        "lead__attributes",
        "lead__annual_revenue",
        "lead__region",
    ]


def test_a_rule_mutated_in_place_is_compiled_again():
    tree = {"all": [condition("employees", "gt", 1)]}
    assert compile_predicate(tree)(lead_values(employees=50)).matched is True
    tree["all"][0]["value"] = 100
    assert compile_predicate(tree)(lead_values(employees=50)).matched is False
    tree["all"][0]["value"] = "x"
    with pytest.raises(CriteriaError) as raised:
        compile_predicate(tree)
    assert raised.value.path == "all[0].value"


def test_an_invalid_rule_raises_on_every_call():
    tree = condition("employees", "eq", float("inf"))
    for _ in range(2):
        with pytest.raises(CriteriaError):
            compile_predicate(tree)
        with pytest.raises(CriteriaError):
            referenced_fields(tree)


def test_referenced_fields_returns_a_fresh_set():
    referenced_fields(EXAMPLE).add("country")
    assert "country" not in referenced_fields(EXAMPLE)


def test_rules_with_tuples_compile_like_lists():
    tree = condition("country", "in", ("UA", "PL"))
    assert compile_predicate(tree)(lead_values(country="PL")).matched is True
