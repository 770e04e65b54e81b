"""The criteria language compiled to a ``Q``: the same semantics table, through the database."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from portrait.criteria import compile_predicate, compile_q
from qualification.models import Lead
from tests.portrait.test_criteria import LEAD_FIELDS, SEMANTICS, condition, lead_values

pytestmark = pytest.mark.django_db


def create_lead(values: dict, external_id: str = "1", **extra) -> Lead:
    fields = lead_values(**values)
    fields["company_name"] = fields["company_name"] or ""
    fields["source"] = fields["source"] or "test"
    return Lead.objects.create(external_id=external_id, **fields, **extra)


def stored_values(lead: Lead) -> dict:
    return {field: getattr(lead, field) for field in (*LEAD_FIELDS, "attributes")}


@pytest.mark.parametrize(
    ("values", "tree", "expected"),
    [pytest.param(values, tree, expected, id=name) for name, values, tree, expected in SEMANTICS],
)
def test_database_semantics(values, tree, expected):
    lead = create_lead(values)
    create_lead({"company_name": "other"}, external_id="other")
    matched = Lead.objects.filter(pk=lead.pk).filter(compile_q(tree)).exists()
    assert matched is expected
    # The row as stored (Decimal scale, JSON round trip) agrees with the predicate too.
    lead.refresh_from_db()
    assert compile_predicate(tree)(stored_values(lead)).matched is expected


def test_filter_selects_exactly_the_matching_leads():
    for index, employees in enumerate([None, 10, 50, 60]):
        create_lead({"employees": employees}, external_id=str(index))
    tree = {"not": condition("employees", "lt", 50)}
    matched = Lead.objects.filter(compile_q(tree)).order_by("external_id")
    assert list(matched.values_list("external_id", flat=True)) == ["0", "2", "3"]


@pytest.mark.parametrize(
    "tree",
    [
        condition("employees", "lt", 50),
        condition("attributes.size", "ne", 1),
        {
            "any": [
                condition("region", "eq", "Kyiv"),
                condition("attributes.stack", "contains", "go"),
            ]
        },
    ],
)
def test_django_negation_of_a_rule_is_its_complement(tree):
    for index, employees in enumerate([None, 10, 60]):
        create_lead(
            {"employees": employees, "attributes": {"size": "1"} if index else {}},
            external_id=str(index),
        )
    matched = set(Lead.objects.filter(compile_q(tree)).values_list("external_id", flat=True))
    excluded = set(Lead.objects.exclude(compile_q(tree)).values_list("external_id", flat=True))
    inverted = set(Lead.objects.filter(~compile_q(tree)).values_list("external_id", flat=True))
    assert excluded == inverted == {"0", "1", "2"} - matched


def test_user_text_reaches_the_database_only_as_parameters():
    hostile = "x') OR 1=1 --"
    tree = {
        "any": [
            condition("company_name", "icontains", hostile),
            condition("attributes.note", "contains", hostile),
            condition("region", "in", [hostile, "b"]),
        ]
    }
    create_lead({"company_name": "plain"})
    queryset = Lead.objects.filter(compile_q(tree))
    sql, params = queryset.query.sql_with_params()
    assert hostile not in sql
    assert hostile.lower() not in sql
    assert hostile in params
    assert hostile.lower() in params
    assert queryset.count() == 0


def test_attribute_keys_are_bound_not_spliced():
    tree = condition("attributes.stack_2", "eq", "x")
    sql, params = Lead.objects.filter(compile_q(tree)).query.sql_with_params()
    assert "stack_2" not in sql
    assert any("stack_2" in str(param) for param in params)


def test_prefix_filters_through_a_relation():
    user_model = get_user_model()
    owner = user_model.objects.create(username="owner")
    user_model.objects.create(username="nobody")
    create_lead({"employees": 80}, owner=owner)
    create_lead({"employees": 5}, external_id="2")
    tree = condition("employees", "gte", 50)
    owners = user_model.objects.filter(compile_q(tree, prefix="owned_leads__"))
    assert list(owners.values_list("username", flat=True)) == ["owner"]


def test_compiled_sql_is_deterministic():
    tree = {
        "all": [
            condition("attributes.stack", "icontains", "Py"),
            {"not": condition("employees", "between", [1, 9])},
        ]
    }
    first = Lead.objects.filter(compile_q(tree)).query.sql_with_params()
    second = Lead.objects.filter(compile_q(tree)).query.sql_with_params()
    assert first == second


@pytest.mark.postgres
def test_postgres_folds_case_with_icu_like_python():
    # glibc's lower() keeps the final sigma and turns İ into i; Python and ICU do not.
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')")
        assert cursor.fetchone()[0] is True
    create_lead({"company_name": "İSTANBUL ΟΔΟΣ"})
    for needle in ("i̇stanbul", "οδος"):
        tree = condition("company_name", "icontains", needle)
        assert Lead.objects.filter(compile_q(tree)).count() == 1
        assert compile_predicate(tree)(lead_values(company_name="İSTANBUL ΟΔΟΣ")).matched


@pytest.mark.postgres
def test_postgres_orders_strings_by_code_point_whatever_the_collation():
    create_lead({"company_name": "a"})
    create_lead({"company_name": "B"}, external_id="2")
    tree = condition("company_name", "lt", "Z")
    assert list(Lead.objects.filter(compile_q(tree)).values_list("company_name", flat=True)) == [
        "B"
    ]
