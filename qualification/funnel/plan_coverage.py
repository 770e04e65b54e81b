"""Plans against what was signed in their periods and what their pools are expected to yield.

Every plan in force is read in three queries whatever their number: the members of the
teams with plans, the pools of every plan in one conditional aggregate, and the
contracts signed per salesperson and day over the plans' periods.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum

from qualification.funnel.figures import PoolFigures, active_pool, conversion_rate
from qualification.funnel.outcomes import Signed, outcomes
from qualification.models import SalesPlan

_TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class PlanCoverage:
    """A plan's targets against what was signed in its period and what its pool yields."""

    plan: SalesPlan
    figures: PoolFigures
    actual: Signed = field(default_factory=Signed)

    @property
    def expected_total(self) -> Decimal:
        """Contracts signed so far plus those the pool is expected to yield."""
        return self.actual.contracts + self.figures.expected_contracts

    @property
    def expected_revenue_total(self) -> Decimal:
        return self.actual.value + self.figures.expected_revenue

    @property
    def is_covered(self) -> bool:
        """Both targets reachable: contracts, and revenue where the plan sets one."""
        contracts = self.expected_total >= self.plan.target_contracts
        revenue = self.expected_revenue_total >= (self.plan.target_revenue or 0)
        return contracts and revenue

    @property
    def contracts_coverage(self) -> Decimal:
        """Signed plus expected contracts per target contract (1 = exactly covered)."""
        return _share(self.expected_total, self.plan.target_contracts)

    @property
    def revenue_coverage(self) -> Decimal:
        """Signed plus expected revenue per target revenue (1 = exactly covered)."""
        return _share(self.expected_revenue_total, self.plan.target_revenue)


def _share(value, target) -> Decimal:
    if not target:
        return Decimal(1)
    return (Decimal(value) / Decimal(target)).quantize(Decimal("0.0001"))


def plans_coverage(plans: list[SalesPlan], *, rate: Decimal | None = None) -> list[PlanCoverage]:
    """Each plan's coverage, in the plans' order."""
    if not plans:
        return []
    rate = conversion_rate() if rate is None else rate
    scopes = _scopes(plans)
    pools = _pools(scopes)
    signed = _signed(plans, scopes)
    return [
        PlanCoverage(
            plan=plan,
            figures=PoolFigures(
                pool=pools[plan.pk][0],
                conversion_rate=rate,
                expected_contracts=(pools[plan.pk][0] * rate).quantize(_TWO_PLACES, ROUND_DOWN),
                expected_revenue=(pools[plan.pk][1] * rate).quantize(_TWO_PLACES, ROUND_DOWN),
            ),
            actual=signed[plan.pk],
        )
        for plan in plans
    ]


def plan_coverage(*, plan: SalesPlan, rate: Decimal | None = None) -> PlanCoverage:
    return plans_coverage([plan], rate=rate)[0]


def _scopes(plans: list[SalesPlan]) -> dict[int, frozenset[int] | None]:
    """Plan → the users whose leads and contracts count for it (``None``: everyone's)."""
    teams = {plan.team_id for plan in plans if plan.team_id}
    members: dict[int, set[int]] = defaultdict(set)
    if teams:
        through = get_user_model().groups.through
        for user_id, group_id in through.objects.filter(group_id__in=teams).values_list(
            "user_id", "group_id"
        ):
            members[group_id].add(user_id)
    scopes: dict[int, frozenset[int] | None] = {}
    for plan in plans:
        if plan.salesperson_id:
            scopes[plan.pk] = frozenset({plan.salesperson_id})
        elif plan.team_id:
            scopes[plan.pk] = frozenset(members[plan.team_id])
        else:
            scopes[plan.pk] = None
    return scopes


def _pools(scopes: dict[int, frozenset[int] | None]) -> dict[int, tuple[int, Decimal]]:
    """Plan → its pool's size and the sum of its leads' segment deal values, in one query."""
    aggregates = {}
    for plan_id, scope in scopes.items():
        only = Q() if scope is None else Q(owner_id__in=sorted(scope))
        aggregates[f"pool_{plan_id}"] = Count("id", filter=only)
        aggregates[f"value_{plan_id}"] = Sum("segment__average_deal_value", filter=only)
    totals = active_pool().aggregate(**aggregates)
    return {
        plan_id: (totals[f"pool_{plan_id}"], Decimal(totals[f"value_{plan_id}"] or 0))
        for plan_id in scopes
    }


def _signed(plans: list[SalesPlan], scopes) -> dict[int, Signed]:
    """Plan → the contracts signed in its period by its people, from one query."""
    rows = outcomes().signed_by_day(
        start=min(plan.period_start for plan in plans),
        end=max(plan.period_end for plan in plans),
    )
    signed = {}
    for plan in plans:
        scope = scopes[plan.pk]
        contracts, value = 0, Decimal(0)
        for salesperson_id, day, count, total in rows:
            if plan.period_start <= day <= plan.period_end and (
                scope is None or salesperson_id in scope
            ):
                contracts, value = contracts + count, value + total
        signed[plan.pk] = Signed(contracts=contracts, value=value)
    return signed
