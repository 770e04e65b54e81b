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
        "signed_on": datetime.date(2027, 2, 1),
        "value": Decimal("120000.00"),
        "currency": "UAH",
        "term_months": 12,
        **fields,
    }
