"""Sales plans, the active pool, conversion, override rates and the alerts they raise."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError

from portrait import roles
from portrait.models import Segment
from qualification.choices import LeadStage, SuggestedVerdict
from qualification.decisions.services import lead_decide
from qualification.funnel.alerts import alert_send, alerts_check
from qualification.funnel.figures import (
    active_pool,
    conversion_rate,
    pool_figures,
    salespeople_figures,
)
from qualification.funnel.plan_coverage import plan_coverage
from qualification.funnel.plans import sales_plan_create
from qualification.models import Alert, AlertKind, Lead, SalesPlan
from tests.qualification.funnel_factories import (
    SalesPlanFactory,
    make_lead,
    published_portrait,
    reason,
)

INTERESTING = SuggestedVerdict.INTERESTING


@pytest.fixture
def segment(db):
    portrait = published_portrait(
        segments=[("Large", {"field": "employees", "op": "gte", "value": 250}, 1)]
    )
    segment = portrait.segments.get()
    Segment.objects.filter(pk=segment.pk).update(average_deal_value=Decimal("1000.00"))
    return segment


def test_the_pool_is_undecided_interesting_and_qualified_leads(segment, make_user):
    seller = make_user(roles.SALES)
    pooled = [
        make_lead(suggested_verdict=INTERESTING, segment=segment),
        make_lead(suggested_verdict=SuggestedVerdict.NEEDS_REVIEW, stage=LeadStage.QUALIFIED),
        make_lead(suggested_verdict=INTERESTING, stage=LeadStage.QUALIFIED, owner=seller),
    ]
    make_lead(suggested_verdict=SuggestedVerdict.NEEDS_REVIEW)
    make_lead(suggested_verdict=INTERESTING, stage=LeadStage.DISQUALIFIED)
    make_lead(suggested_verdict=INTERESTING, stage=LeadStage.CONTRACTED)

    assert set(active_pool()) == set(pooled)
    plan = SalesPlanFactory(salesperson=seller)
    assert list(active_pool(plan=plan)) == [pooled[2]]


def test_a_teams_pool_is_the_leads_of_its_members(segment, make_user):
    team = Group.objects.create(name="Team Kyiv")
    member, outsider = make_user(roles.SALES), make_user(roles.SALES)
    member.groups.add(team)
    own = make_lead(suggested_verdict=INTERESTING, owner=member)
    make_lead(suggested_verdict=INTERESTING, owner=outsider)
    make_lead(suggested_verdict=INTERESTING)

    assert list(active_pool(plan=SalesPlanFactory(team=team))) == [own]


def test_conversion_defaults_to_the_setting_without_history(db, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.25}

    assert conversion_rate() == Decimal("0.25")


def test_conversion_is_contracted_over_decided_interesting(segment, make_user):
    seller = make_user(roles.SALES)
    leads = [make_lead(suggested_verdict=INTERESTING) for _ in range(4)]
    for lead in leads:
        lead_decide(lead=lead, user=seller, verdict="interesting")
    Lead.objects.filter(pk=leads[0].pk).update(stage=LeadStage.CONTRACTED)
    rejected = make_lead(suggested_verdict=INTERESTING)
    lead_decide(lead=rejected, user=seller, verdict="not_interesting", reason_code=reason())

    assert conversion_rate() == Decimal("0.2500")


def test_a_contracted_lead_with_several_decisions_counts_once(segment, make_user):
    seller = make_user(roles.SALES)
    contracted, qualified = make_lead(suggested_verdict=INTERESTING), make_lead()
    for _ in range(3):
        lead_decide(lead=contracted, user=seller, verdict="interesting")
    lead_decide(lead=qualified, user=seller, verdict="interesting")
    Lead.objects.filter(pk=contracted.pk).update(stage=LeadStage.CONTRACTED)

    assert contracted.decisions.count() == 3
    assert conversion_rate() == Decimal("0.5000")


def test_conversion_counts_contracts_without_decisions_and_only_current_verdicts(
    segment, make_user
):
    seller = make_user(roles.SALES)
    signed_unseen = make_lead(suggested_verdict=INTERESTING)
    Lead.objects.filter(pk=signed_unseen.pk).update(stage=LeadStage.CONTRACTED)
    changed_mind = make_lead(suggested_verdict=INTERESTING)
    lead_decide(lead=changed_mind, user=seller, verdict="interesting")
    lead_decide(lead=changed_mind, user=seller, verdict="not_interesting", reason_code=reason())
    still_interesting = make_lead(suggested_verdict=INTERESTING)
    lead_decide(lead=still_interesting, user=seller, verdict="interesting")

    # One contract over the contract and the one current "interesting" decision.
    assert conversion_rate() == Decimal("0.5000")


def test_pool_figures_yield_expected_contracts_and_revenue(segment, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.1}
    for _ in range(25):
        make_lead(suggested_verdict=INTERESTING, segment=segment)
    make_lead(suggested_verdict=INTERESTING)

    figures = pool_figures()

    assert figures.pool == 26
    assert figures.conversion_rate == Decimal("0.1")
    assert figures.expected_contracts == Decimal("2.60")
    assert figures.expected_revenue == Decimal("2500.00")


def test_plan_coverage(segment, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.1}
    for _ in range(30):
        make_lead(suggested_verdict=INTERESTING)

    covered = plan_coverage(plan=SalesPlanFactory(target_contracts=3))
    short = plan_coverage(plan=SalesPlanFactory(target_contracts=4))

    assert (covered.is_covered, covered.contracts_coverage) == (True, Decimal("1.0000"))
    assert (short.is_covered, short.contracts_coverage) == (False, Decimal("0.7500"))


def test_override_rate_per_salesperson(segment, make_user):
    seller, careful = make_user(roles.SALES), make_user(roles.SALES)
    for index in range(4):
        lead = make_lead(suggested_verdict=INTERESTING)
        if index == 0:
            lead_decide(lead=lead, user=seller, verdict="interesting")
        else:
            lead_decide(lead=lead, user=seller, verdict="not_interesting", reason_code=reason())
    lead_decide(
        lead=make_lead(suggested_verdict=SuggestedVerdict.NOT_INTERESTING),
        user=seller,
        verdict="not_interesting",
    )

    rows = {row.username: row for row in salespeople_figures()}

    assert (rows[seller.username].decisions, rows[seller.username].overrides) == (5, 3)
    assert rows[seller.username].decisions_on_interesting == 4
    assert rows[seller.username].override_rate == Decimal("0.7500")
    assert rows[careful.username].override_rate == Decimal("0")


def test_a_superseded_override_no_longer_counts(segment, make_user):
    seller = make_user(roles.SALES)
    lead = make_lead(suggested_verdict=INTERESTING)
    lead_decide(lead=lead, user=seller, verdict="not_interesting", reason_code=reason())
    lead_decide(lead=lead, user=seller, verdict="interesting")

    [row] = salespeople_figures(user=seller)

    assert (row.decisions, row.overrides) == (1, 0)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"period_start": datetime.date(2026, 2, 1), "period_end": datetime.date(2026, 1, 1)},
            "period_end",
        ),
        ({"team": "team", "salesperson": "seller"}, "salesperson"),
    ],
)
def test_invalid_plans_are_refused_naming_the_field(make_user, data, field):
    values = {
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 3, 31),
        "target_contracts": 5,
        **data,
    }
    if values.get("team") == "team":
        values["team"] = Group.objects.create(name="Team")
        values["salesperson"] = make_user(roles.SALES)

    with pytest.raises(ValidationError) as error:
        sales_plan_create(data=values)

    assert field in error.value.message_dict
    assert not SalesPlan.objects.exists()


# Alerts -----------------------------------------------------------------------------------


@pytest.fixture
def managers(make_user):
    return [
        make_user(roles.SALES_MANAGERS, email="boss@example.com"),
        make_user(roles.SALES_MANAGERS, email="deputy@example.com"),
    ]


def test_an_uncovered_plan_raises_one_alert_and_mails_managers(
    segment, managers, settings, django_capture_on_commit_callbacks
):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.1}
    plan = SalesPlanFactory(target_contracts=5)
    for _ in range(10):
        make_lead(suggested_verdict=INTERESTING)

    with django_capture_on_commit_callbacks(execute=True):
        created = alerts_check()
    with django_capture_on_commit_callbacks(execute=True):
        again = alerts_check()

    assert len(created) == 1 and again == []
    alert = Alert.objects.get()
    assert (alert.kind, alert.plan, alert.salesperson) == (AlertKind.PLAN_NOT_COVERED, plan, None)
    assert "1.00 expected contracts against a target of 5" in alert.message
    assert alert.sent_at is not None
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["boss@example.com", "deputy@example.com"]
    assert mail.outbox[0].body == alert.message


def test_a_plan_out_of_its_period_raises_nothing(segment, managers):
    SalesPlanFactory(
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 3, 31),
        target_contracts=5,
    )

    assert alerts_check() == []


def test_the_alert_of_a_plan_whose_period_ended_is_resolved(segment, managers):
    ended = SalesPlanFactory(
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 3, 31),
        target_contracts=5,
    )
    alert = Alert.objects.create(kind=AlertKind.PLAN_NOT_COVERED, message="Short", plan=ended)

    assert alerts_check() == []

    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_the_alert_of_a_salesperson_who_left_sales_is_resolved(segment, managers, make_user):
    departed = make_user()
    alert = Alert.objects.create(
        kind=AlertKind.OVERRIDE_RATE, message="Too many overrides", salesperson=departed
    )

    assert alerts_check() == []

    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_a_covered_plan_resolves_its_alert_and_a_relapse_alerts_again(segment, managers, settings):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "DEFAULT_CONVERSION_RATE": 0.5}
    SalesPlanFactory(target_contracts=1)
    alerts_check()
    leads = [make_lead(suggested_verdict=INTERESTING) for _ in range(2)]

    alerts_check()
    assert Alert.objects.get().resolved_at is not None

    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(stage=LeadStage.DISQUALIFIED)
    alerts_check()
    assert Alert.objects.filter(resolved_at__isnull=True).count() == 1
    assert Alert.objects.count() == 2


def test_a_high_override_rate_raises_one_alert(
    segment, managers, make_user, settings, django_capture_on_commit_callbacks
):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "OVERRIDE_RATE_ALERT_THRESHOLD": 0.5}
    seller, careful = make_user(roles.SALES), make_user(roles.SALES)
    for verdict in ["not_interesting", "not_interesting", "interesting"]:
        code = reason() if verdict == "not_interesting" else None
        lead_decide(
            lead=make_lead(suggested_verdict=INTERESTING),
            user=seller,
            verdict=verdict,
            reason_code=code,
        )
    for verdict in ["not_interesting", "interesting"]:
        code = reason() if verdict == "not_interesting" else None
        lead_decide(
            lead=make_lead(suggested_verdict=INTERESTING),
            user=careful,
            verdict=verdict,
            reason_code=code,
        )

    with django_capture_on_commit_callbacks(execute=True):
        alerts_check()
        alerts_check()

    alert = Alert.objects.get()
    assert (alert.kind, alert.salesperson) == (AlertKind.OVERRIDE_RATE, seller)
    assert "rejected 2 of 3" in alert.message
    assert len(mail.outbox) == 1


def test_an_override_rate_exactly_at_the_threshold_raises_no_alert(
    segment, managers, make_user, settings
):
    settings.PORTRAIT_CRM = {**settings.PORTRAIT_CRM, "OVERRIDE_RATE_ALERT_THRESHOLD": 0.3}
    seller = make_user(roles.SALES)
    for index in range(10):
        lead_decide(
            lead=make_lead(suggested_verdict=INTERESTING),
            user=seller,
            verdict="not_interesting" if index < 3 else "interesting",
            reason_code=reason() if index < 3 else None,
        )

    [row] = salespeople_figures(user=seller)

    assert (row.override_rate, row.override_percent, row.over_threshold) == (
        Decimal("0.3000"),
        30,
        False,
    )
    assert alerts_check() == []
    assert not Alert.objects.exists()


def test_an_alert_is_sent_once(segment, managers):
    alert = Alert.objects.create(kind=AlertKind.PLAN_NOT_COVERED, message="Short")

    assert alert_send(alert=alert) is True
    assert alert_send(alert=alert) is False
    assert len(mail.outbox) == 1
