"""Contracts close the funnel's figures: plans get actuals, segments their clients and value."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.contracts.services import contract_sign
from portrait import roles
from qualification.choices import SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.funnel.alerts import alerts_check
from qualification.funnel.figures import conversion_rate
from qualification.funnel.plan_coverage import plan_coverage
from qualification.models import Alert
from tests.crm.factories import contract_data, qualified_lead
from tests.qualification.funnel_factories import SalesPlanFactory, make_lead, published_portrait

TODAY = datetime.date.today()


def sign(lead, user, number, value="1000.00", signed_on=TODAY):
    return contract_sign(
        lead=lead,
        user=user,
        data=contract_data(number, value=Decimal(value), signed_on=signed_on),
    )[0]


def test_a_plan_counts_the_contracts_signed_in_its_period_and_scope(make_user):
    seller, other = make_user(roles.SALES), make_user(roles.SALES)
    plan = SalesPlanFactory(salesperson=seller, target_contracts=4, target_revenue=Decimal("5000"))
    sign(qualified_lead(seller), seller, "K-1", "1500")
    sign(qualified_lead(seller), seller, "K-2", "2500")
    sign(qualified_lead(seller), seller, "K-old", "9999", TODAY - datetime.timedelta(days=400))
    sign(qualified_lead(other), other, "K-3", "7000")

    coverage = plan_coverage(plan=plan)

    assert (coverage.actual.contracts, coverage.actual.value) == (2, Decimal("4000.00"))
    assert coverage.revenue_coverage == Decimal("0.8000")
    assert not coverage.is_covered


def test_a_teams_plan_counts_its_members_contracts(make_user):
    team = Group.objects.create(name="Team Lviv")
    member, outsider = make_user(roles.SALES), make_user(roles.SALES)
    member.groups.add(team)
    sign(qualified_lead(member), member, "K-1")
    sign(qualified_lead(outsider), outsider, "K-2")

    coverage = plan_coverage(plan=SalesPlanFactory(team=team, target_contracts=1))

    assert coverage.actual.contracts == 1
    assert coverage.is_covered


def test_signed_contracts_cover_a_plan_the_pool_alone_would_not(make_user, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.1}
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    seller = make_user(roles.SALES)
    SalesPlanFactory(target_contracts=2)
    alerts_check()
    assert Alert.objects.filter(resolved_at__isnull=True).count() == 1

    sign(qualified_lead(seller), seller, "K-1")
    sign(qualified_lead(seller), seller, "K-2")
    alerts_check()

    assert Alert.objects.filter(resolved_at__isnull=True).count() == 0


def test_a_revenue_target_out_of_reach_raises_the_alert_naming_revenue(make_user):
    seller = make_user(roles.SALES)
    SalesPlanFactory(target_contracts=1, target_revenue=Decimal("1000000"))
    sign(qualified_lead(seller), seller, "K-1", "5000")

    alerts_check()

    alert = Alert.objects.get(resolved_at__isnull=True)
    assert "1 contract is signed already." in alert.message
    assert "falls short of 1000000" in alert.message


def test_conversion_is_measured_from_signed_contracts(make_user):
    seller = make_user(roles.SALES)
    leads = [make_lead(suggested_verdict=SuggestedVerdict.INTERESTING) for _ in range(4)]
    for lead in leads:
        lead_decide(lead=lead, user=seller, verdict="interesting")
    sign(leads[0], seller, "K-1")

    assert conversion_rate() == Decimal("0.2500")


@pytest.fixture
def segment(db):
    portrait = published_portrait(
        segments=[("Big", {"all": [{"field": "employees", "op": "gte", "value": 50}]}, 1)]
    )
    segment = portrait.segments.get()
    segment.capacity, segment.average_deal_value = 10, Decimal("2000")
    segment.save()
    return segment


def test_coverage_per_segment_through_the_api(client_for, make_user, segment):
    seller = make_user(roles.SALES)
    signed = qualified_lead(seller, segment=segment, website="acme.example")
    lead_decide(lead=make_lead(segment=segment), user=seller, verdict="interesting")
    sign(signed, seller, "K-1", "3000")
    sign(qualified_lead(seller, segment=segment, website="acme.example"), seller, "K-2", "1000")
    make_lead(segment=segment)

    response = client_for(roles.SALES_MANAGERS).get(reverse("v1:funnel-coverage"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "segment": segment.pk,
            "name": "Big",
            "capacity": 10,
            "market_potential": "20000.00",
            "leads": 4,
            "interesting": 1,
            "clients": 1,
            "contracted_value": "4000.00",
            "capacity_reached": "0.1000",
            "potential_reached": "0.2000",
        }
    ]


def test_conversion_by_segment_through_the_api(client_for, make_user, segment):
    seller = make_user(roles.SALES)
    lead = make_lead(segment=segment, suggested_verdict=SuggestedVerdict.INTERESTING)
    lead_decide(lead=lead, user=seller, verdict="interesting")
    sign(lead, seller, "K-1")

    api = client_for(roles.SALES_MANAGERS)
    response = api.get(reverse("v1:funnel-conversion"), {"by": "segment"})
    refused = api.get(reverse("v1:funnel-conversion"), {"by": "weather"})

    assert response.json() == [
        {
            "key": str(segment.pk),
            "rate": "1.0000",
            "contracted": 1,
            "decided_interesting": 1,
            "is_measured": True,
        }
    ]
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["by"]


def test_the_figures_show_the_funnel_stages_and_the_measured_conversion(client_for, make_user):
    seller = make_user(roles.SALES)
    lead = make_lead(suggested_verdict=SuggestedVerdict.INTERESTING)
    lead_decide(lead=lead, user=seller, verdict="interesting")
    sign(lead, seller, "K-1")
    make_lead()

    body = client_for(roles.SALES_MANAGERS).get(reverse("v1:funnel-figures")).json()

    assert body["stages"] == {
        "leads": 2,
        "evaluated": 1,
        "interesting": 1,
        "contracted": 1,
        "lost": 0,
    }
    assert body["conversion"] == {
        "rate": "1.0000",
        "contracted": 1,
        "decided_interesting": 1,
        "is_measured": True,
    }


def test_the_figures_cost_the_same_queries_for_one_plan_or_five(client_for, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.qualification.funnel_factories import fresh_permissions

    api = client_for(roles.SALES_MANAGERS)
    team = Group.objects.create(name="Team Odesa")
    SalesPlanFactory(team=team)
    fresh_permissions(api)
    with CaptureQueriesContext(connection) as one:
        api.get(reverse("v1:funnel-figures"))
    for _ in range(4):
        SalesPlanFactory(salesperson=make_user(roles.SALES))
    SalesPlanFactory(team=team)
    fresh_permissions(api)

    with CaptureQueriesContext(connection) as six:
        response = api.get(reverse("v1:funnel-figures"))

    assert len(response.json()["plans"]) == 6
    assert len(six) == len(one)
