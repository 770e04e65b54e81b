"""Negotiations: opened against a clause, argued entry by entry, closed; overdue ones alert."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from config.outbox.models import OutboxMessage
from crm.contracts.services import contract_sign
from crm.models import Negotiation, NegotiationEntry
from crm.negotiations.alerts import negotiations_overdue_alert
from crm.negotiations.services import negotiation_close, negotiation_entry_add, negotiation_open
from crm.tasks import negotiations_overdue_check_task
from portrait import roles
from tests.crm.factories import ClientFactory, contract_data, qualified_lead

NEGOTIATIONS = reverse("v1:negotiation-list")


@pytest.fixture
def signed(make_user):
    seller = make_user(roles.SALES)
    contract, _ = contract_sign(
        lead=qualified_lead(seller),
        user=seller,
        data=contract_data("K-1"),
        clauses=[{"ref": "4.2", "text": "Delivery within 10 days."}],
    )
    return seller, contract


def later(days: int = 7) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_a_negotiation_runs_from_question_to_agreement(signed):
    seller, contract = signed
    negotiation = negotiation_open(
        user=seller,
        client=contract.client,
        contract=contract,
        clause_ref="4.2",
        question="Can delivery take 20 days in winter?",
        deadline=later(),
    )
    negotiation_entry_add(
        negotiation=negotiation, user=seller, party="client", kind="position", text="20 days"
    )
    proposal = negotiation_entry_add(
        negotiation=negotiation, user=seller, party="ours", kind="proposal", text="15 days"
    )

    closed = negotiation_close(
        negotiation=negotiation, user=seller, outcome="agreed", agreement="15 days Dec-Feb"
    )

    assert (closed.outcome, closed.agreement, closed.closed_by) == (
        "agreed",
        "15 days Dec-Feb",
        seller,
    )
    assert list(negotiation.entries.values_list("party", "kind")) == [
        ("client", "position"),
        ("ours", "proposal"),
    ]
    with pytest.raises(ValidationError):
        negotiation_entry_add(
            negotiation=negotiation,
            user=seller,
            party="ours",
            kind="proposal",
            text="Late",
            corrects=proposal,
        )


def test_the_clause_must_be_the_contracts(signed):
    seller, contract = signed

    with pytest.raises(ValidationError) as refusal:
        negotiation_open(
            user=seller,
            client=contract.client,
            contract=contract,
            clause_ref="9.9",
            question="?",
            deadline=later(),
        )

    assert list(refusal.value.message_dict) == ["clause_ref"]


def test_the_contract_must_be_the_clients(signed):
    seller, contract = signed
    other = ClientFactory(owner=seller)

    with pytest.raises(ValidationError) as refusal:
        negotiation_open(
            user=seller, client=other, contract=contract, question="?", deadline=later()
        )

    assert list(refusal.value.message_dict) == ["contract"]


def test_an_agreement_needs_its_text(signed):
    seller, contract = signed
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="?", deadline=later()
    )

    with pytest.raises(ValidationError) as refusal:
        negotiation_close(negotiation=negotiation, user=seller, outcome="agreed")

    assert list(refusal.value.message_dict) == ["agreement"]


def test_the_api_opens_records_and_closes(client_for, signed):
    seller, contract = signed
    api = client_for(roles.SALES)
    api.force_authenticate(seller)

    opened = api.post(
        NEGOTIATIONS,
        {
            "client": contract.client_id,
            "contract": contract.pk,
            "clause_ref": "4.2",
            "question": "Winter delivery",
            "deadline": later().isoformat(),
        },
        format="json",
    )
    url = reverse("v1:negotiation-entries", args=[opened.json()["id"]])
    entry = api.post(url, {"party": "client", "kind": "position", "text": "20"}, format="json")
    closed = api.post(
        reverse("v1:negotiation-close", args=[opened.json()["id"]]),
        {"outcome": "withdrawn"},
        format="json",
    )

    assert opened.status_code == 201
    assert entry.status_code == 201
    assert [row["text"] for row in entry.json()["entries"]] == ["20"]
    assert (closed.status_code, closed.json()["outcome"]) == (200, "withdrawn")


def test_nobody_negotiates_with_a_client_they_do_not_see(client_for, signed):
    _seller, contract = signed
    api = client_for(roles.SALES)

    response = api.post(
        NEGOTIATIONS,
        {"client": contract.client_id, "question": "?", "deadline": later().isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["client"]
    assert not Negotiation.objects.exists()


def test_entries_cannot_be_edited_or_deleted_through_the_api(client_for, signed):
    seller, contract = signed
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="?", deadline=later()
    )
    negotiation_entry_add(
        negotiation=negotiation, user=seller, party="ours", kind="position", text="No"
    )
    api = client_for(roles.SALES_MANAGERS)
    url = reverse("v1:negotiation-detail", args=[negotiation.pk])

    assert api.patch(url, {"question": "Changed"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    assert NegotiationEntry.objects.get().text == "No"


def test_an_overdue_negotiation_alerts_the_managers_once(
    make_user, signed, django_capture_on_commit_callbacks
):
    seller, contract = signed
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="Price", deadline=later()
    )
    Negotiation.objects.filter(pk=negotiation.pk).update(deadline=later(-1))

    with django_capture_on_commit_callbacks(execute=True):
        first = negotiations_overdue_check_task()
    with django_capture_on_commit_callbacks(execute=True):
        second = negotiations_overdue_alert()

    assert (first, second) == (1, 0)
    assert [message.to for message in mail.outbox] == [["boss@example.com"]]
    assert "Price" in mail.outbox[0].body


def test_a_send_asked_for_twice_mails_once_and_a_lost_one_is_asked_for_again(
    make_user, signed, broker, django_capture_on_commit_callbacks
):
    seller, contract = signed
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="Price", deadline=later()
    )
    Negotiation.objects.filter(pk=negotiation.pk).update(deadline=later(-1))
    with django_capture_on_commit_callbacks(execute=True):
        assert negotiations_overdue_alert() == 1
        # Asked for again at once: the send asked for a moment ago is not repeated.
        assert negotiations_overdue_alert() == 0
    lost = broker.sent.pop()
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=301))

    with django_capture_on_commit_callbacks(execute=True):
        assert negotiations_overdue_alert() == 1
    broker.sent.append(lost)
    broker.work()

    negotiation.refresh_from_db()
    assert negotiation.overdue_alerted_at is not None
    assert [message.to for message in mail.outbox] == [["boss@example.com"]]
    assert negotiations_overdue_alert() == 0


def test_nothing_is_asked_for_while_no_manager_has_an_address(make_user, signed):
    seller, contract = signed
    make_user(roles.SALES_MANAGERS, email="")
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="Price", deadline=later()
    )
    Negotiation.objects.filter(pk=negotiation.pk).update(deadline=later(-1))

    assert negotiations_overdue_alert() == 0
    assert OutboxMessage.objects.count() == 0


def test_a_negotiation_with_an_outcome_never_alerts(make_user, signed):
    seller, contract = signed
    negotiation = negotiation_open(
        user=seller, client=contract.client, question="Price", deadline=later()
    )
    negotiation_close(negotiation=negotiation, user=seller, outcome="withdrawn")
    Negotiation.objects.filter(pk=negotiation.pk).update(deadline=later(-1))

    assert negotiations_overdue_alert() == 0


def test_overdue_negotiations_are_checked_periodically(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["negotiations-overdue-check"]

    assert schedule["task"] == "crm.tasks.negotiations_overdue_check_task"


def test_the_negotiation_list_costs_the_same_queries_for_more_rows(
    client_for, signed, django_assert_num_queries
):
    from tests.qualification.funnel_factories import fresh_permissions

    seller, contract = signed
    for question in ("Price", "Term", "Scope"):
        negotiation = negotiation_open(
            user=seller, client=contract.client, question=question, deadline=later()
        )
        negotiation_entry_add(
            negotiation=negotiation, user=seller, party="ours", kind="position", text="No"
        )
    api = client_for(roles.SALES_MANAGERS)
    fresh_permissions(api)

    # The user's permissions (2), the page with clients and contracts (1), the entries (1).
    with django_assert_num_queries(4):
        response = api.get(NEGOTIATIONS)

    assert len(response.json()["results"]) == 3


def feedback_of(client, user):
    from crm.feedback.services import feedback_record

    feedback, _ = feedback_record(
        user=user,
        data={"client": client, "channel": "email", "kind": "complaint", "text": "Late again"},
    )
    return feedback


def test_a_negotiation_opened_from_feedback_names_it_and_the_item_links_back(client_for, signed):
    seller, contract = signed
    api = client_for(roles.SALES)
    api.force_authenticate(seller)
    feedback = feedback_of(contract.client, seller)

    opened = api.post(
        NEGOTIATIONS,
        {
            "client": contract.client_id,
            "feedback": feedback.pk,
            "question": "Who pays for the delay?",
            "deadline": later().isoformat(),
        },
        format="json",
    )
    item = api.get(reverse("v1:feedback-detail", args=[feedback.pk]))

    assert opened.status_code == 201
    assert opened.json()["feedback"] == feedback.pk
    assert item.json()["negotiations"] == [opened.json()["id"]]


def test_the_feedback_must_be_the_same_clients(signed):
    seller, contract = signed
    other = ClientFactory(owner=seller)

    with pytest.raises(ValidationError) as refusal:
        negotiation_open(
            user=seller,
            client=other,
            question="?",
            deadline=later(),
            feedback=feedback_of(contract.client, seller),
        )

    assert list(refusal.value.message_dict) == ["feedback"]
    assert not Negotiation.objects.exists()


def test_the_api_names_no_feedback_of_a_client_the_user_does_not_see(client_for, signed, make_user):
    seller, contract = signed
    stranger = make_user(roles.SALES)
    theirs = feedback_of(ClientFactory(owner=stranger), stranger)
    api = client_for(roles.SALES)
    api.force_authenticate(seller)

    response = api.post(
        NEGOTIATIONS,
        {
            "client": contract.client_id,
            "feedback": theirs.pk,
            "question": "?",
            "deadline": later().isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["feedback"]
    assert not Negotiation.objects.exists()


def test_a_deadline_already_passed_is_named(client_for, signed):
    seller, contract = signed
    api = client_for(roles.SALES)
    api.force_authenticate(seller)
    passed = timezone.now() - datetime.timedelta(minutes=1)

    response = api.post(
        NEGOTIATIONS,
        {"client": contract.client_id, "question": "Winter", "deadline": passed.isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["deadline"]
