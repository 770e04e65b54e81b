import datetime
from decimal import Decimal

import factory

from crm.choices import ClientKind
from crm.models import Client, Department
from qualification.choices import LeadStage
from tests.qualification.factories import LeadFactory


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    kind = ClientKind.PARTNER
    name = factory.Sequence(lambda n: f"Client {n}")


def qualified_lead(owner, **fields):
    """A lead decided interesting (stage ``qualified``) owned by ``owner``."""
    return LeadFactory(stage=LeadStage.QUALIFIED, owner=owner, **fields)


def contract_data(number: str = "K-1", **fields) -> dict:
    return {
        "number": number,
        "signed_on": datetime.date(2026, 2, 2),
        "value": Decimal("120000.00"),
        "currency": "UAH",
        "term_months": 12,
        **fields,
    }


ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
WEEKDAYS_NINE_TO_SIX = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def target(channel="email", response=60, resolution=240, severity="normal", client_kind=None):
    return {
        "channel": channel,
        "severity": severity,
        "client_kind": client_kind,
        "first_response_minutes": response,
        "resolution_minutes": resolution,
    }


def published_rules(user, *, targets=None, **fields):
    """Service rules in force: open around the clock in UTC unless told otherwise, so that a
    service minute is a minute of the clock."""
    from crm.rules.services import service_rules_create, service_rules_publish

    data = {
        "name": "Service code",
        "standards": "Be liked, listen, negotiate.",
        "time_zone": "UTC",
        "hours": ALWAYS_OPEN,
        "targets": [target()] if targets is None else targets,
        **fields,
    }
    return service_rules_publish(rules=service_rules_create(user=user, data=data), user=user)
