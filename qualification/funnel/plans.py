"""Sales plans: targets per period for a salesperson, a team or everyone, and who sees them."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from qualification.funnel.alerts import alerts_check_on_change
from qualification.models import SalesPlan

#: What a plan says: the fields its create and update take.
PLAN_FIELDS = (
    "name",
    "period_start",
    "period_end",
    "team",
    "salesperson",
    "target_contracts",
    "target_revenue",
)


def sales_plan_create(*, data: Mapping[str, Any]) -> SalesPlan:
    """Create a plan from validated data."""
    plan = SalesPlan(**{key: value for key, value in data.items() if key in PLAN_FIELDS})
    with transaction.atomic():
        plan.full_clean()
        plan.save()
        alerts_check_on_change()
    return plan


def sales_plan_update(*, plan: SalesPlan, data: Mapping[str, Any]) -> SalesPlan:
    """Change a plan's period, subject or targets."""
    for key, value in data.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    with transaction.atomic():
        plan.full_clean()
        plan.save()
        alerts_check_on_change()
    return plan


def sales_plans_for_user(user) -> QuerySet[SalesPlan]:
    """Everyone's plans for managers and admins; a salesperson's own and their teams'."""
    queryset = SalesPlan.objects.select_related("team", "salesperson")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser or user.has_perm("qualification.view_funnel_figures"):
        return queryset
    if not user.has_perm("qualification.view_salesplan"):
        return queryset.none()
    return queryset.filter(Q(salesperson=user) | Q(team__in=user.groups.all()))
