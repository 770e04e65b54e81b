"""The queue's ranking: the reference in Python and the order the queue gives in SQL agree."""

from decimal import Decimal

import pytest

from portrait.models import Segment
from qualification import ranking
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Lead
from tests.qualification.factories import LeadFactory
from tests.qualification.funnel_factories import published_portrait


@pytest.mark.parametrize(
    ("employees", "factor"),
    [
        (None, "1"),
        (0, "0.5"),
        (9, "0.5"),
        (10, "0.75"),
        (49, "0.75"),
        (50, "1"),
        (249, "1"),
        (250, "1.5"),
        (100_000, "1.5"),
    ],
)
def test_size_factor_follows_the_size_classes(employees, factor):
    assert ranking.size_factor(employees) == Decimal(factor)


def test_estimated_value_is_the_segments_average_deal_scaled_by_size():
    assert ranking.estimated_value(average_deal_value=Decimal("1000"), employees=300) == Decimal(
        "1500.00"
    )
    assert ranking.estimated_value(average_deal_value=Decimal("1000"), employees=None) == Decimal(
        "1000.00"
    )
    assert ranking.estimated_value(average_deal_value=None, employees=300) is None


def _python_order(leads: list[Lead]) -> list[int]:
    def key(lead):
        segment = lead.segment
        value = ranking.estimated_value(
            average_deal_value=segment.average_deal_value if segment else None,
            employees=lead.employees,
        )
        return (
            segment.priority if segment else ranking.NO_SEGMENT_PRIORITY,
            -(value if value is not None else Decimal(-1)),
            -(lead.fit_score if lead.fit_score is not None else -1),
            -lead.created_at.timestamp(),
            -lead.pk,
        )

    return [lead.pk for lead in sorted(leads, key=key)]


@pytest.mark.django_db
def test_the_queue_ranks_by_segment_priority_then_estimated_value_then_fit():
    portrait = published_portrait(
        segments=[
            ("Banks", {"all": [{"field": "industry", "op": "eq", "value": "64.19"}]}, 1),
            ("Software", {"all": [{"field": "industry", "op": "eq", "value": "62.01"}]}, 2),
        ]
    )
    Segment.objects.filter(portrait=portrait, name="Banks").update(average_deal_value=100)
    Segment.objects.filter(portrait=portrait, name="Software").update(average_deal_value=5000)
    small_bank = LeadFactory(industry="64.19", employees=5)
    big_bank = LeadFactory(industry="64.19", employees=900)
    unknown_bank = LeadFactory(industry="64.19", employees=None)
    software = LeadFactory(industry="62.01", employees=20)
    half_fit = LeadFactory(industry="01.11", employees=20)
    leads_evaluate(queryset=Lead.objects.all())

    ordered = list(ranking.ranked(Lead.objects.select_related("segment")))

    assert [lead.pk for lead in ordered] == [
        big_bank.pk,
        unknown_bank.pk,
        small_bank.pk,
        software.pk,
        half_fit.pk,
    ]
    assert [lead.estimated_value for lead in ordered[:4]] == [
        Decimal("150"),
        Decimal("100"),
        Decimal("50"),
        Decimal("3750"),
    ]
    assert ordered[4].estimated_value is None
    assert [lead.pk for lead in ordered] == _python_order(ordered)
