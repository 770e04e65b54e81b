"""The dashboard's chart geometry, without a database."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from qualification.charts import funnel_bars, percent_of, plan_bar


def test_a_funnel_step_is_its_share_of_the_first_and_of_the_step_before():
    bars = funnel_bars(
        [("leads", "Leads", 3000), ("interesting", "I", 25), ("contracted", "C", 0)],
        branches=(("lost", "L", 5, "interesting"),),
    )

    assert [(bar.key, bar.width, bar.of_previous) for bar in bars] == [
        ("leads", 100, None),
        ("interesting", 1, Decimal("0.8")),
        ("contracted", 0, Decimal("0.0")),
        ("lost", 1, Decimal("20.0")),
    ]


def test_a_step_after_an_empty_one_has_no_share():
    bars = funnel_bars([("leads", "Leads", 0), ("evaluated", "E", 0)])

    assert [(bar.width, bar.of_previous) for bar in bars] == [(0, None), (0, None)]


def test_a_plan_bar_stacks_signed_and_expected_against_the_target():
    bar = plan_bar(signed=3, expected=Decimal("2.5"), target=10)

    assert (bar.signed_width, bar.expected_width, bar.target_position) == (30, 25, 100)


@given(
    st.integers(0, 500),
    st.decimals(0, 500, places=2, allow_nan=False),
    st.integers(0, 500),
)
def test_a_plan_bar_never_leaves_its_track(signed, expected, target):
    bar = plan_bar(signed=signed, expected=expected, target=target)

    assert 0 <= bar.signed_width <= bar.signed_width + bar.expected_width <= 100
    assert 0 <= bar.target_position <= 100


def test_percent_of_nothing_is_zero():
    assert (percent_of(5, 0), percent_of(5, 10), percent_of(50, 10)) == (0, 50, 100)
