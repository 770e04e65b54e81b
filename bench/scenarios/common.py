"""Helpers the scenarios share: the benchmark portrait and evaluated leads."""

from __future__ import annotations

import copy

from bench import environment
from bench.environment import make_user
from portrait.demo import PORTRAIT


def create_benchmark_portrait():
    """A new draft version of the benchmark portrait (its segments and exclusions have ids)."""
    from portrait.services import portrait_create

    admin = make_user("bench-admin", "admins")
    return portrait_create(user=admin, data=copy.deepcopy(PORTRAIT))


def publish(portrait) -> None:
    """Publish ``portrait``; whatever re-evaluation it starts goes to the Celery broker."""
    from portrait.services import portrait_publish

    portrait_publish(portrait=portrait, user=make_user("bench-admin", "admins"))


def publish_benchmark_portrait():
    """Create and publish the benchmark portrait, its re-evaluation run in-process at once.

    For scenarios that measure something else: no task is left waiting in the broker.
    """
    from config.celery import app

    portrait = create_benchmark_portrait()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        publish(portrait)
    finally:
        app.conf.task_always_eager = eager
    return portrait


def load_evaluated_leads(count: int, *, seed: int, log) -> None:
    """Replace the leads with ``count`` generated ones, evaluated by the benchmark portrait."""
    from qualification.evaluation.writes import leads_evaluate
    from qualification.models import Lead

    environment.truncate_leads()
    portrait = publish_benchmark_portrait()
    environment.load_leads(count, seed=seed, log=log)
    leads_evaluate(queryset=Lead.objects.all(), portrait=portrait)
    environment.vacuum_analyze()


def load_clients(count: int, *, owner, log) -> None:
    """Sign ``count`` of the leads (bench set-up, in bulk): a client, a contract with three
    clauses, and every tenth a negotiation with two entries, as stage 2's pages show them.
    """
    import datetime
    from decimal import Decimal

    from crm.models import Client, Contract, ContractClause, Negotiation, NegotiationEntry
    from qualification.models import Lead

    Negotiation.objects.all().delete()
    Contract.objects.all().delete()
    Client.objects.all().delete()
    leads = list(Lead.objects.order_by("id").values_list("id", "company_name")[:count])
    clients = Client.objects.bulk_create(
        [Client(kind="external", name=name or f"Lead {pk}", owner=owner) for pk, name in leads],
        batch_size=1000,
    )
    today = datetime.date.today()
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                number=f"B-{pk}",
                client=client,
                lead_id=pk,
                signed_on=today - datetime.timedelta(days=index % 365),
                value=Decimal(50000),
                currency="UAH",
                base_value=Decimal(50000),
                term_months=12,
                salesperson=owner,
            )
            for index, ((pk, _name), client) in enumerate(zip(leads, clients, strict=True))
        ],
        batch_size=1000,
    )
    ContractClause.objects.bulk_create(
        [
            ContractClause(contract=contract, ref=ref, text=f"Clause {ref} of {contract.number}")
            for contract in contracts
            for ref in ("2.1", "4.2", "7.1")
        ],
        batch_size=5000,
    )
    negotiations = Negotiation.objects.bulk_create(
        [
            Negotiation(
                client=contract.client,
                contract=contract,
                clause_ref="4.2",
                question="Winter delivery",
                deadline=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30),
            )
            for contract in contracts[::10]
        ]
    )
    NegotiationEntry.objects.bulk_create(
        [
            NegotiationEntry(negotiation=negotiation, party=party, kind="position", text=party)
            for negotiation in negotiations
            for party in ("client", "ours")
        ]
    )
    Lead.objects.filter(id__in=[pk for pk, _name in leads]).update(stage="contracted")
    log(f"reads: {len(clients):,} clients, contracts and {len(negotiations):,} negotiations")
