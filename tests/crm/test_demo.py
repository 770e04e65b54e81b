"""``make run``'s demo: stage 2's figures come from real contracts, losses and negotiations."""

import pytest
from django.core.management import CommandError, call_command

from crm.choices import ClientKind
from crm.models import Client, Contract, Negotiation
from qualification.choices import LeadStage
from qualification.models import Lead


def test_the_demo_has_every_kind_of_client_contracts_losses_and_negotiations(db, settings):
    settings.DEBUG = True
    call_command("load_demo_data", leads=400, verbosity=0)

    call_command("load_stage2_demo", verbosity=0)
    call_command("load_stage2_demo", verbosity=0)

    assert set(Client.objects.values_list("kind", flat=True)) == set(ClientKind.values)
    contracted = Lead.objects.filter(stage=LeadStage.CONTRACTED)
    assert Contract.objects.count() == contracted.count() > 0
    assert Lead.objects.filter(stage=LeadStage.LOST).count() == 2
    outcomes = sorted(Negotiation.objects.values_list("outcome", flat=True))
    assert outcomes == ["", "", "agreed"]
    assert sum(negotiation.is_overdue for negotiation in Negotiation.objects.all()) == 1


def test_the_stage_2_demo_needs_the_first_demo(db, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError):
        call_command("load_stage2_demo", verbosity=0)
