"""Factories and helpers of the funnel tests (evaluations, decisions, plans)."""

import datetime
import itertools

import factory

from portrait.choices import DocumentStatus
from portrait.models import Exclusion, Portrait, Segment
from qualification.models import Lead, RejectionReason, SalesPlan
from tests.portrait.factories import PortraitFactory


def published_portrait(*, segments=(), exclusions=()) -> Portrait:
    """A portrait put in force directly (no publishing service, so no re-evaluation run).

    ``segments``: ``(name, criteria, priority)``; ``exclusions``: ``(name, criteria)``.
    """
    Portrait.objects.filter(status=DocumentStatus.PUBLISHED).update(status=DocumentStatus.ARCHIVED)
    portrait = PortraitFactory()
    for name, criteria, priority in segments:
        Segment.objects.create(portrait=portrait, name=name, criteria=criteria, priority=priority)
    for name, criteria in exclusions:
        Exclusion.objects.create(portrait=portrait, name=name, criteria=criteria)
    Portrait.objects.filter(pk=portrait.pk).update(status=DocumentStatus.PUBLISHED)
    portrait.refresh_from_db()
    return portrait


class SalesPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesPlan

    name = factory.Sequence(lambda n: f"Plan {n}")
    period_start = factory.LazyFunction(lambda: datetime.date.today().replace(day=1))
    period_end = factory.LazyAttribute(lambda plan: plan.period_start + datetime.timedelta(days=90))
    target_contracts = 10
    # Only the tests about revenue set a revenue target.
    target_revenue = 0


def reason(code: str = "no_budget") -> RejectionReason:
    """A seeded reason code (re-created if a transactional test flushed the seed)."""
    return RejectionReason.objects.get_or_create(code=code, defaults={"label": code})[0]


_external_ids = itertools.count()


def make_lead(**fields) -> Lead:
    """A bare lead of the ``erp`` source with just these fields (no identity, no evaluation)."""
    return Lead.objects.create(source="erp", external_id=f"lead-{next(_external_ids)}", **fields)


def fresh_permissions(client) -> None:
    """Authenticate a fresh copy of the API client's user, so its permission cache is empty."""
    client.user = type(client.user).objects.get(pk=client.user.pk)
    client.force_authenticate(client.user)
