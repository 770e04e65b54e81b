"""Conversion measured over a trailing window, per segment, salesperson and month."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from portrait import roles
from qualification.choices import LeadStage, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.funnel.conversion import (
    Conversion,
    conversion_by,
    conversion_measure,
    conversion_window_start,
)
from qualification.funnel.stages import funnel_stages
from qualification.models import Decision, Lead
from tests.qualification.funnel_factories import make_lead, reason

INTERESTING = SuggestedVerdict.INTERESTING


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_the_rate_is_contracted_over_decided_and_never_above_one(contracted, decided):
    conversion = Conversion(contracted=contracted, decided_interesting=decided)

    if decided == 0:
        assert not conversion.is_measured
    else:
        expected = min(Decimal(contracted) / Decimal(decided), Decimal(1))
        assert conversion.rate == expected.quantize(Decimal("0.0001"))


def test_without_a_cohort_the_default_stands_in(settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.2}

    assert Conversion(contracted=0, decided_interesting=0).rate == Decimal("0.2")


def test_decisions_older_than_the_window_do_not_count(db, make_user, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "CONVERSION_WINDOW_MONTHS": 12}
    seller = make_user(roles.SALES)
    old, recent, signed = (make_lead(suggested_verdict=INTERESTING) for _ in range(3))
    for lead in (old, recent, signed):
        lead_decide(lead=lead, user=seller, verdict="interesting")
    Decision.objects.filter(lead=old).update(
        decided_at=timezone.now() - datetime.timedelta(days=400)
    )
    Lead.objects.filter(pk=signed.pk).update(stage=LeadStage.CONTRACTED)

    measured = conversion_measure()

    assert (measured.contracted, measured.decided_interesting) == (1, 2)
    assert measured.rate == Decimal("0.5000")


def test_the_window_is_configurable(settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "CONVERSION_WINDOW_MONTHS": 3}
    now = timezone.make_aware(datetime.datetime(2027, 5, 31, 12))

    assert conversion_window_start(now=now) == timezone.make_aware(
        datetime.datetime(2027, 2, 28, 12)
    )


@pytest.fixture
def decided(db, make_user):
    """Two salespeople: olena signs one of two, taras none of one."""
    olena, taras = (
        make_user(roles.SALES, username="olena"),
        make_user(roles.SALES, username="taras"),
    )
    leads = []
    for seller, count in ((olena, 2), (taras, 1)):
        for _ in range(count):
            lead = make_lead(suggested_verdict=INTERESTING)
            lead_decide(lead=lead, user=seller, verdict="interesting")
            leads.append(lead)
    Lead.objects.filter(pk=leads[0].pk).update(stage=LeadStage.CONTRACTED)
    return olena, taras


def test_conversion_per_salesperson(decided):
    olena, taras = decided

    rows = conversion_by(dimension="salesperson")

    assert {key: (row.contracted, row.decided_interesting) for key, row in rows.items()} == {
        olena.pk: (1, 2),
        taras.pk: (0, 1),
    }


def test_conversion_per_month(decided):
    rows = conversion_by(dimension="month")

    assert len(rows) == 1
    month = next(iter(rows))
    assert (month.day, rows[month].contracted, rows[month].decided_interesting) == (1, 1, 3)


def test_a_rejection_is_not_in_the_cohort(db, make_user):
    seller = make_user(roles.SALES)
    lead = make_lead(suggested_verdict=INTERESTING)
    lead_decide(lead=lead, user=seller, verdict="not_interesting", reason_code=reason())

    assert conversion_measure().decided_interesting == 0


def test_the_funnel_stages_count_each_step(db, make_user):
    seller = make_user(roles.SALES)
    make_lead()
    make_lead(suggested_verdict=SuggestedVerdict.NOT_INTERESTING, stage=LeadStage.DISQUALIFIED)
    make_lead(suggested_verdict=INTERESTING, stage=LeadStage.QUALIFIED, owner=seller)
    make_lead(suggested_verdict=INTERESTING, stage=LeadStage.CONTRACTED, owner=seller)
    make_lead(suggested_verdict=INTERESTING, stage=LeadStage.LOST)

    everyone, own = funnel_stages(), funnel_stages(owner=seller)

    assert (everyone.leads, everyone.evaluated, everyone.interesting) == (5, 4, 3)
    assert (everyone.contracted, everyone.lost) == (1, 1)
    assert (own.leads, own.interesting, own.contracted, own.lost) == (2, 2, 1, 0)


def test_touching_old_contracted_leads_leaves_the_window_as_it_was(db, make_user):
    from qualification.leads.reassignment import lead_reassign

    seller, other = make_user(roles.SALES), make_user(roles.SALES)
    manager = make_user(roles.SALES_MANAGERS)
    recent = [make_lead(suggested_verdict=INTERESTING) for _ in range(4)]
    old = [make_lead(suggested_verdict=INTERESTING) for _ in range(3)]
    for lead in recent + old:
        lead_decide(lead=lead, user=seller, verdict="interesting")
    Lead.objects.filter(pk=recent[0].pk).update(stage=LeadStage.CONTRACTED)
    Decision.objects.filter(lead__in=old).update(
        decided_at=timezone.now() - datetime.timedelta(days=800)
    )
    Lead.objects.filter(pk__in=[lead.pk for lead in old]).update(stage=LeadStage.CONTRACTED)
    before = conversion_measure()

    for lead in old:
        lead_reassign(lead=lead, owner=other, user=manager)

    after = conversion_measure()
    assert (before.contracted, before.decided_interesting) == (1, 4)
    assert (after.contracted, after.decided_interesting) == (1, 4)
