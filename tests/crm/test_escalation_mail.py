"""Escalation e-mails: once, to the owner and the managers, each in the language they read."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from crm.choices import Channel
from crm.feedback.notices import Recipient, escalation_mail, escalation_recipients
from crm.feedback.services import feedback_record
from crm.models import EmployeeProfile, Escalation
from portrait import roles
from tests.crm.factories import ClientFactory


@pytest.fixture
def owner(make_user):
    user = make_user(roles.SALES, email="owner@example.com")
    EmployeeProfile.objects.create(user=user, language="uk")
    return user


def complain(owner, **fields) -> Escalation:
    feedback, _ = feedback_record(
        user=owner,
        data={
            "client": ClientFactory(owner=owner, name="Acme"),
            "channel": "phone",
            "kind": "complaint",
            "text": "The servers came late.",
            **fields,
        },
    )
    return feedback.escalations.get(reason="complaint")


def test_each_recipient_reads_the_escalation_in_their_language(owner, make_user):
    boss = make_user(roles.SALES_MANAGERS, email="boss@example.com")
    EmployeeProfile.objects.create(user=boss, language="pl")
    make_user(roles.SALES_MANAGERS, email="deputy@example.com")  # no profile: the default
    escalation = complain(owner, rating=1)

    sent = escalation_mail(escalation_id=escalation.pk)

    assert sent is True
    by_address = {message.to[0]: message for message in mail.outbox}
    assert {address: message.extra_headers for address, message in by_address.items()} == {
        "boss@example.com": {"Content-Language": "pl"},
        "deputy@example.com": {"Content-Language": "en"},
        "owner@example.com": {"Content-Language": "uk"},
    }

    def in_language(language: str) -> list[str]:
        with translation.override(language):
            return [
                f"{translation.gettext('Channel')}: {Channel.PHONE.label}",
                translation.gettext("Rating: %(rating)s of 5") % {"rating": 1},
            ]

    for address, language in (
        ("owner@example.com", "uk"),
        ("boss@example.com", "pl"),
        ("deputy@example.com", "en"),
    ):
        assert by_address[address].body.splitlines()[-2:] == in_language(language)
    # The Ukrainian reader reads Ukrainian, not English.
    assert in_language("uk") != in_language("en")
    assert by_address["deputy@example.com"].subject == "Bad news from Acme: A complaint"


def test_an_escalation_is_mailed_once(owner, make_user):
    make_user(roles.SALES_MANAGERS, email="boss@example.com")
    escalation = complain(owner)

    first = escalation_mail(escalation_id=escalation.pk)
    second = escalation_mail(escalation_id=escalation.pk)

    escalation.refresh_from_db()
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 2
    assert escalation.mailed_at is not None


def test_an_address_shared_by_the_owner_and_a_manager_is_written_once_in_the_owners_language(
    owner, make_user
):
    manager = make_user(roles.SALES_MANAGERS, email="owner@example.com")
    EmployeeProfile.objects.create(user=manager, language="he")
    escalation = complain(owner)

    assert escalation_recipients(escalation) == [Recipient("owner@example.com", "uk")]


def test_an_employee_without_a_profile_reads_the_sites_language(make_user, settings):
    settings.LANGUAGE_CODE = "ru"
    seller = make_user(roles.SALES, email="seller@example.com")

    escalation = complain(seller)

    assert escalation_recipients(escalation) == [Recipient("seller@example.com", "ru")]


def test_a_new_profile_starts_in_the_sites_language(make_user, settings):
    settings.LANGUAGE_CODE = "pl"

    profile = EmployeeProfile.objects.create(user=make_user())

    assert profile.language == "pl"


def test_an_admin_sets_an_employees_language_in_the_admin(make_user, client):
    admin = make_user(roles.ADMINS, is_staff=True)
    seller = make_user(roles.SALES)
    client.force_login(admin)

    response = client.post(
        reverse("admin:crm_employeeprofile_add"), {"user": seller.pk, "language": "he"}
    )

    assert response.status_code == 302
    assert EmployeeProfile.objects.get(user=seller).language == "he"


def test_a_superuser_sets_the_language_on_the_users_page(make_user, client):
    superuser = make_user(is_staff=True, is_superuser=True)
    client.force_login(superuser)

    response = client.get(reverse("admin:auth_user_change", args=[superuser.pk]))

    assert response.status_code == 200
    assert b'name="employee_profile-0-language"' in response.content
