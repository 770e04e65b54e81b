"""``make run``'s demo: stage 2's figures come from real contracts, losses and negotiations;
the service rules are in force and months of feedback and delays fill the reports."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from crm.choices import Channel, ClientKind, EscalationReason, FeedbackKind, FeedbackStatus
from crm.feedback.selectors import feedback_overdue
from crm.models import Client, Contract, Delay, Escalation, Feedback, Negotiation
from crm.reports.selectors import clients_out_of_touch, service_report
from crm.rules.selectors import service_rules_in_force
from qualification.choices import LeadStage
from qualification.models import Lead


@pytest.fixture
def demo(db, settings):
    """The demo loaded, then loaded again: the second run adds nothing."""
    settings.DEBUG = True
    call_command("load_demo_data", leads=400, verbosity=0)
    call_command("load_stage2_demo", verbosity=0)
    first = (Feedback.objects.count(), Escalation.objects.count(), Delay.objects.count())
    call_command("load_stage2_demo", verbosity=0)
    return first


def test_the_demo_has_every_kind_of_client_contracts_losses_and_negotiations(demo):
    assert set(Client.objects.values_list("kind", flat=True)) == set(ClientKind.values)
    contracted = Lead.objects.filter(stage=LeadStage.CONTRACTED)
    assert Contract.objects.count() == contracted.count() > 0
    assert Lead.objects.filter(stage=LeadStage.LOST).count() == 2
    outcomes = sorted(Negotiation.objects.values_list("outcome", flat=True))
    assert outcomes == ["", "", "", "agreed"]
    assert sum(negotiation.is_overdue for negotiation in Negotiation.objects.all()) == 1


def test_the_demo_has_rules_in_force_and_feedback_overdue_escalated_and_answered(demo):
    rules = service_rules_in_force()
    assert (rules.time_zone, rules.holiday_country, rules.targets.count()) == (
        "Europe/Kyiv",
        "UA",
        13,
    )
    assert demo == (Feedback.objects.count(), Escalation.objects.count(), Delay.objects.count())
    assert Feedback.objects.count() == 84
    assert set(Feedback.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Feedback.objects.values_list("kind", flat=True)) == set(FeedbackKind.values)
    assert feedback_overdue(Feedback.objects.all()).count() >= 3
    reasons = set(Escalation.objects.values_list("reason", flat=True))
    assert {EscalationReason.COMPLAINT, EscalationReason.RESPONSE_OVERDUE} <= reasons
    assert Feedback.objects.filter(status=FeedbackStatus.RESOLVED).count() > 60
    assert Negotiation.objects.filter(feedback__isnull=False).count() == 1


def test_the_demo_tells_delays_one_of_them_put_off_three_times(demo):
    assert sorted(Delay.objects.values_list("reference", "postponement")) == [
        ("ORD-1042", 1),
        ("ORD-1042", 2),
        ("ORD-1042", 3),
        ("REP-Q4", 1),
        ("REP-Q4", 2),
        ("SPEC-7.3", 1),
    ]


def test_the_demo_fills_the_reports(demo):
    manager = get_user_model().objects.get(username="demo-manager")

    report = service_report(user=manager, by="channel")

    total = report.overall.total
    assert total.items == 84
    assert 0 < total.response_percent < 100
    assert total.median_response_minutes > 0
    # Six months of history (the current one may have begun only minutes ago).
    assert sum(cell is not None for cell in report.overall.cells) >= 5
    assert clients_out_of_touch(Client.objects.all()).exists()


def test_the_stage_2_demo_needs_the_first_demo(db, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError):
        call_command("load_stage2_demo", verbosity=0)
