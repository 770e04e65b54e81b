"""Two people signing for one company at once: one client, never two (PostgreSQL)."""

import threading

import pytest

from crm.contracts.services import contract_sign
from crm.models import Client, Contract
from portrait import roles
from tests.crm.factories import contract_data, qualified_lead
from tests.threads import in_own_connection

pytestmark = pytest.mark.postgres


def sign_at_once(signings) -> list[BaseException]:
    """Run each ``(lead, user, data)`` signing on its own connection, released together."""
    barrier = threading.Barrier(len(signings))

    def sign(lead, user, data):
        barrier.wait(timeout=10)
        contract_sign(lead=lead, user=user, data=data)

    started = [in_own_connection(sign, *signing) for signing in signings]
    failures = []
    for thread, thread_failures in started:
        thread.join(timeout=30)
        failures.extend(thread_failures)
    return failures


def test_two_leads_of_one_company_signed_at_once_make_one_client(transactional_db, make_user):
    seller = make_user(roles.SALES)
    first = qualified_lead(seller, website="acme.example")
    second = qualified_lead(seller, website="https://acme.example/about")

    failures = sign_at_once(
        [(first, seller, contract_data("K-1")), (second, seller, contract_data("K-2"))]
    )

    assert failures == []
    assert Contract.objects.count() == 2
    assert Client.objects.count() == 1


def test_one_lead_signed_twice_at_once_with_one_number_makes_one_contract(
    transactional_db, make_user
):
    seller = make_user(roles.SALES)
    lead = qualified_lead(seller)

    failures = sign_at_once(
        [(lead, seller, contract_data("K-1")), (lead, seller, contract_data("K-1"))]
    )

    assert failures == []
    assert Contract.objects.count() == 1
    assert Client.objects.count() == 1


def test_two_leads_racing_for_one_number_get_one_contract_and_one_refusal(
    transactional_db, make_user
):
    from django.core.exceptions import ValidationError

    seller = make_user(roles.SALES)
    first, second = qualified_lead(seller), qualified_lead(seller)

    failures = sign_at_once(
        [(first, seller, contract_data("K-1")), (second, seller, contract_data("K-1"))]
    )

    assert [type(failure) for failure in failures] == [ValidationError]
    assert failures[0].message_dict == {"number": ["Another contract has this number."]}
    assert Contract.objects.count() == 1
    assert Client.objects.count() == 1
