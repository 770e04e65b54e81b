"""Property: for any valid rule and any leads, the database and the predicate agree.

Random trees and random leads (nulls, missing and wrong-typed attributes, lists, Ukrainian,
Russian, Polish and Greek letters, LIKE wildcards) are inserted, then
``Lead.objects.filter(compile_q(tree))`` must select exactly the leads the predicate matches.
Runs on SQLite and, with ``DATABASE_URL``, on PostgreSQL.
"""

import os
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from portrait.criteria import compile_predicate, compile_q, validate_criteria
from portrait.criteria.catalogue import FIELD_TYPES
from qualification.models import Lead

EXAMPLES = int(os.environ.get("CRITERIA_AGREEMENT_EXAMPLES", "150"))
ALPHABET = "aAbBzZ .%_'\\іІїЇєЄґҐёЁыЫэЭąĄłŁżŻóÓśŚΣσςİ09"
WORDS = ["", "a", "A", "ab", "Київ", "КИЇВ", "łódź", "ŁÓDŹ", "ёлка", "python", "Python", "62.01"]
ATTRIBUTE_KEYS = ["a", "b", "stack"]
COUNTRIES = ["UA", "PL", "DE"]
STRING_COLUMNS = [field for field, kind in FIELD_TYPES.items() if kind == "string"]
NUMBER_COLUMNS = [field for field, kind in FIELD_TYPES.items() if kind == "number"]

texts = st.one_of(st.sampled_from(WORDS), st.text(alphabet=ALPHABET, max_size=6))
numbers = st.one_of(
    st.integers(min_value=-1000, max_value=10**6),
    st.integers(min_value=-100000, max_value=100000).map(lambda cents: cents / 100),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)
scalars = {"number": numbers, "string": texts, "boolean": st.booleans()}
json_scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=4),
    st.dictionaries(st.sampled_from(ATTRIBUTE_KEYS), json_scalars, max_size=2),
)


@st.composite
def conditions(draw):
    field = draw(
        st.sampled_from(
            STRING_COLUMNS + NUMBER_COLUMNS + [f"attributes.{key}" for key in ATTRIBUTE_KEYS]
        )
    )
    column_kind = FIELD_TYPES.get(field)
    operators = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "between", "is_null"]
    if column_kind != "number":
        operators += ["contains", "icontains", "startswith"]
    op = draw(st.sampled_from(operators))
    if op == "is_null":
        return {"field": field, "op": op, "value": draw(st.booleans())}
    if op in ("icontains", "startswith"):
        kind = "string"
    elif column_kind is not None:
        kind = column_kind
    elif op in ("lt", "lte", "gt", "gte", "between"):
        kind = draw(st.sampled_from(["number", "string"]))
    else:
        kind = draw(st.sampled_from(["number", "string", "boolean"]))
    values = scalars[kind]
    if field == "country" and op in ("eq", "ne", "in", "not_in"):
        values = st.sampled_from(COUNTRIES)
    if op in ("in", "not_in"):
        value = draw(st.lists(values, min_size=1, max_size=3))
    elif op == "between":
        value = sorted(draw(st.lists(values, min_size=2, max_size=2)))
    else:
        value = draw(values)
    return {"field": field, "op": op, "value": value}


trees = st.recursive(
    conditions(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"all": items}),
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"any": items}),
        children.map(lambda child: {"not": child}),
    ),
    max_leaves=8,
)

revenues = st.integers(min_value=0, max_value=10**10).map(lambda cents: Decimal(cents).scaleb(-2))
lead_fields = st.fixed_dictionaries(
    {
        "company_name": texts,
        "country": st.one_of(st.none(), st.sampled_from([*COUNTRIES, "ua", "Ł"])),
        "region": st.one_of(st.none(), texts),
        "industry": st.one_of(st.none(), texts),
        "employees": st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
        "annual_revenue": st.one_of(st.none(), revenues),
        "channel": st.one_of(st.none(), texts),
        "source": st.sampled_from(["erp", "web", "Київ"]),
        "attributes": st.one_of(
            st.dictionaries(st.sampled_from(ATTRIBUTE_KEYS), json_values, max_size=3),
            st.lists(json_scalars, max_size=2),
        ),
    }
)

external_ids = count()


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    rules=st.lists(trees, min_size=1, max_size=3),
    leads=st.lists(lead_fields, min_size=1, max_size=8),
)
def test_database_and_predicate_select_the_same_leads(rules, leads):
    Lead.objects.all().delete()
    Lead.objects.bulk_create(
        [Lead(external_id=f"lead-{next(external_ids)}", **fields) for fields in leads]
    )
    stored = list(Lead.objects.values("pk", *FIELD_TYPES, "attributes"))
    for tree in rules:
        validate_criteria(tree)
        predicate = compile_predicate(tree)
        expected = {row["pk"] for row in stored if predicate(row).matched}
        selected = set(Lead.objects.filter(compile_q(tree)).values_list("pk", flat=True))
        assert selected == expected, tree
        # Django's own negation of the compiled rule is the complement.
        excluded = set(Lead.objects.exclude(compile_q(tree)).values_list("pk", flat=True))
        assert excluded == {row["pk"] for row in stored} - expected, tree
        event("some leads match" if expected else "no lead matches")
        event("some leads do not match" if len(expected) < len(stored) else "every lead matches")
