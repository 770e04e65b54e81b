"""What the dashboard and ``/api/v1/funnel/figures/`` show a user, composed in one place."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from qualification.funnel.conversion import Conversion, conversion_measure
from qualification.funnel.figures import (
    PoolFigures,
    SalespersonFigures,
    override_rate_threshold,
    pool_figures,
    salespeople_figures,
)
from qualification.funnel.plan_coverage import PlanCoverage, plans_coverage
from qualification.funnel.plans import sales_plans_for_user
from qualification.funnel.stages import FunnelStages, funnel_stages
from qualification.models import SalesPlan


@dataclass(frozen=True)
class FunnelFigures:
    """What the dashboard and ``/api/v1/funnel/figures/`` show a user."""

    sees_all: bool
    pool: PoolFigures
    conversion: Conversion
    stages: FunnelStages
    override_rate_threshold: Decimal
    plans: list[PlanCoverage]
    salespeople: list[SalespersonFigures]


def funnel_figures(*, user, today: datetime.date | None = None) -> FunnelFigures:
    """Managers and admins see everyone; a salesperson their own pool, plans and row."""
    sees_all = user.has_perm("qualification.view_funnel_figures")
    conversion = conversion_measure()
    rate = conversion.rate
    own_scope = None if sees_all else SalesPlan(salesperson=user, target_contracts=0)
    today = today or timezone.localdate()
    plans = sales_plans_for_user(user).filter(period_start__lte=today, period_end__gte=today)
    return FunnelFigures(
        sees_all=sees_all,
        pool=pool_figures(plan=own_scope, rate=rate),
        conversion=conversion,
        stages=funnel_stages(owner=None if sees_all else user),
        override_rate_threshold=override_rate_threshold(),
        plans=plans_coverage(list(plans), rate=rate),
        salespeople=salespeople_figures(user=None if sees_all else user),
    )
