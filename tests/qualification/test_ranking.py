"""The queue's ranking: the reference in Python and the order the queue gives in SQL agree."""

from decimal import Decimal

import pytest

from portrait.models import Segment
from qualification import ranking
from qualification.evaluation.writes import leads_evaluate
from qualification.models import Lead
from qualification.querysets import NO_SEGMENT_PRIORITY
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


def test_estimated_value_is_the_segments_average_deal_scaled_by_size_rounded_down():
    assert ranking.estimated_value(average_deal_value=Decimal("1000"), employees=300) == 1500
    assert ranking.estimated_value(average_deal_value=Decimal("1000"), employees=None) == 1000
    assert ranking.estimated_value(average_deal_value=Decimal("1000.99"), employees=20) == 750
    assert ranking.estimated_value(average_deal_value=None, employees=300) is None


def _python_order(leads: list[Lead]) -> list[int]:
    def key(lead):
        segment = lead.segment
        value = ranking.estimated_value(
            average_deal_value=segment.average_deal_value if segment else None,
            employees=lead.employees,
        )
        return (
            segment.priority if segment else NO_SEGMENT_PRIORITY,
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
    assert [lead.estimated_value for lead in ordered[:4]] == [150, 100, 50, 3750]
    assert [lead.segment_priority for lead in ordered] == [1, 1, 1, 2, None]
    assert ordered[4].estimated_value is None
    assert [lead.pk for lead in ordered] == _python_order(ordered)


@pytest.mark.django_db
@pytest.mark.parametrize("deal", ["0", "0.01", "999.99", "1000.25", "123456789.99"])
def test_the_stored_estimated_value_agrees_with_the_reference_to_the_unit(deal):
    portrait = published_portrait(
        segments=[("Any", {"all": [{"field": "employees", "op": "gte", "value": 0}]}, 3)]
    )
    Segment.objects.filter(portrait=portrait).update(average_deal_value=Decimal(deal))
    sizes = [0, 9, 10, 49, 50, 249, 250, 10**6]
    leads = [LeadFactory(employees=size) for size in sizes]
    leads_evaluate(queryset=Lead.objects.all())
    stored = dict(Lead.objects.values_list("employees", "estimated_value"))
    assert stored == {
        size: ranking.estimated_value(average_deal_value=Decimal(deal), employees=size)
        for size in sizes
    }
    assert len(leads) == len(sizes)


@pytest.mark.django_db
def test_an_excluded_lead_or_one_matching_no_segment_has_no_rank():
    published_portrait(
        segments=[("Big", {"all": [{"field": "employees", "op": "gte", "value": 50}]}, 1)],
        exclusions=[("RU", {"all": [{"field": "country", "op": "eq", "value": "RU"}]})],
    )
    excluded = LeadFactory(employees=80, country="RU")
    small = LeadFactory(employees=5, country="UA")
    big = LeadFactory(employees=80, country="UA")
    leads_evaluate(queryset=Lead.objects.all())
    ranks = {
        pk: (priority, value)
        for pk, priority, value in Lead.objects.values_list(
            "pk", "segment_priority", "estimated_value"
        )
    }
    assert ranks == {excluded.pk: (None, None), small.pk: (None, None), big.pk: (1, 0)}


@pytest.mark.django_db
def test_a_sync_writes_the_rank_with_the_evaluation_and_keeps_it_current():
    from qualification.sync.upsert import leads_bulk_upsert

    portrait = published_portrait(
        segments=[("Big", {"all": [{"field": "employees", "op": "gte", "value": 5}]}, 4)]
    )
    Segment.objects.filter(portrait=portrait).update(average_deal_value=Decimal("1000"))
    leads_bulk_upsert(source="erp", items=[{"external_id": "a", "employees": 20}])
    lead = Lead.objects.get()
    assert (lead.segment_priority, lead.estimated_value) == (4, 750)
    leads_bulk_upsert(source="erp", items=[{"external_id": "a", "employees": 300}])
    lead.refresh_from_db()
    assert (lead.segment_priority, lead.estimated_value) == (4, 1500)
    leads_bulk_upsert(source="erp", items=[{"external_id": "a", "employees": 1}])
    lead.refresh_from_db()
    assert (lead.segment_id, lead.segment_priority, lead.estimated_value) == (None, None, None)


def test_a_rows_note_says_how_its_estimated_value_is_made():
    note = ranking.estimated_value_note(average_deal_value=Decimal("72000"), employees=20)
    assert note == "the segment's average deal 72,000 × 0.75: small (10–49 employees)"
    unknown = ranking.estimated_value_note(average_deal_value=Decimal("1000"), employees=None)
    assert unknown == "the segment's average deal 1,000 × 1: size unknown"
    assert ranking.estimated_value_note(average_deal_value=None, employees=20) == ""
