from decimal import Decimal

import factory

from portrait.models import Exclusion, Portrait, Segment
from portrait.versioning.services import document_insert

VALID_CRITERIA = {"all": [{"field": "employees", "op": "gte", "value": 50}]}


class PortraitFactory(factory.django.DjangoModelFactory):
    """A draft portrait; its version number is assigned like the service does."""

    class Meta:
        model = Portrait

    name = factory.Sequence(lambda n: f"Portrait {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return document_insert(document=model_class(*args, **kwargs), user=None)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    portrait = factory.SubFactory(PortraitFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    criteria = factory.LazyFunction(lambda: dict(VALID_CRITERIA))
    capacity = 100
    average_deal_value = Decimal("2500.00")
    priority = 10


class ExclusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exclusion

    portrait = factory.SubFactory(PortraitFactory)
    name = factory.Sequence(lambda n: f"Exclusion {n}")
    criteria = factory.LazyFunction(
        lambda: {"all": [{"field": "country", "op": "eq", "value": "RU"}]}
    )


BOGUS_CRITERIA = {"all": [{"field": "employees", "op": "bogus", "value": 1}]}
