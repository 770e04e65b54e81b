"""Whatever JSON a client sends, the API answers it without a server error.

Property tests over the write endpoints and the lead list's query string: any body
(malformed shapes, wrong types, huge numbers, NUL and unpaired surrogates) gets either
a success or the one error shape naming what is wrong, never a 500.
"""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portrait import roles

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))

words = st.sampled_from(
    ["", "erp", "UA", "eq", "in", "between", "employees", "attributes.stack", "interesting",
     "2025-01-01", "2025-13-45T99:00:00Z", "1000.50", "1e400", "-1", "9" * 30, "a\x00b",
     "\ud800", "\U0001f600"]
)  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    words,
)
keys = st.one_of(words, st.sampled_from(["field", "op", "value", "all", "any", "not"]))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
conditions = st.recursive(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(["employees", "country", "attributes.tier", "region", "x"]),
            "op": st.sampled_from(["eq", "in", "gt", "between", "contains", "is_null", "zz"]),
            "value": values,
        }
    ),
    lambda inner: st.dictionaries(
        st.sampled_from(["all", "any", "not"]), st.lists(inner, max_size=3) | inner, min_size=1
    ),
    max_leaves=5,
)
criteria = st.one_of(conditions, values)
portraits = st.fixed_dictionaries(
    {
        "name": values,
        "segments": st.lists(
            st.fixed_dictionaries(
                {
                    "name": values,
                    "criteria": criteria,
                    "capacity": values,
                    "average_deal_value": values,
                    "priority": values,
                }
            ),
            max_size=2,
        )
        | values,
        "exclusions": st.lists(
            st.fixed_dictionaries({"name": values, "criteria": criteria}), max_size=2
        )
        | values,
    }
)
lead_fields = st.sampled_from(
    ["external_id", "company_name", "country", "employees", "annual_revenue", "email",
     "website", "phone", "attributes", "updated_at", "colour"]
)  # fmt: skip
pushes = st.fixed_dictionaries(
    {
        "source": st.just("erp") | values,
        "leads": st.lists(st.dictionaries(lead_fields, values, max_size=8) | values, max_size=4)
        | values,
    }
)
plans = st.fixed_dictionaries(
    {
        name: values
        for name in ("name", "period_start", "period_end", "target_contracts", "target_revenue")
    }
)


def assert_answered(response):
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "code", "errors"}


def post(client, url: str, body):
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


@pytest.fixture
def admin(client_for):
    return client_for(roles.ADMINS)


@FUZZ
@given(body=pushes | values)
def test_bulk_upsert_answers_any_body(client_for, body):
    assert_answered(post(client_for(roles.INTEGRATIONS), reverse("v1:lead-bulk-upsert"), body))


@FUZZ
@given(body=portraits | values)
def test_portrait_create_answers_any_body(admin, body):
    assert_answered(post(admin, reverse("v1:portrait-list"), body))


@FUZZ
@given(body=plans | values)
def test_sales_plan_create_answers_any_body(admin, body):
    assert_answered(post(admin, reverse("v1:sales-plan-list"), body))


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["stage", "segment", "suggested_verdict", "owner", "updated_since",
                         "page_size", "cursor"]),
        # A real query string is bytes: it cannot carry an unpaired surrogate.
        (st.text(max_size=20) | words).filter(lambda value: "\ud800" not in value),
        max_size=4,
    )
)  # fmt: skip
def test_lead_list_answers_any_query(admin, query):
    assert_answered(admin.get(reverse("v1:lead-list"), query))
