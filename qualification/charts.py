"""The dashboard's charts as geometry: pure arithmetic, no ORM, tested without a database."""

from dataclasses import dataclass
from decimal import Decimal


def percent_of(value, maximum) -> int:
    """``value`` as a whole percentage of ``maximum``, within 0–100 (0 for no maximum)."""
    if not maximum:
        return 0
    return max(0, min(100, int(Decimal(value) * 100 / Decimal(maximum))))


@dataclass(frozen=True)
class FunnelBar:
    key: str
    label: str
    count: int
    width: int
    #: The share of the step it comes from, in percent (None for the first or after none).
    of_previous: Decimal | None


def funnel_bars(
    steps: list[tuple[str, str, int]], *, branches: tuple[tuple[str, str, int, str], ...] = ()
) -> list[FunnelBar]:
    """Each ``(key, label, count)`` step as a bar whose width is its share of the first step.

    A branch ``(key, label, count, of_key)`` leaves the funnel at step ``of_key`` (the lost
    leave it after "interesting") and is shown as a share of that step. A bar that holds
    any lead stays visible (1 % at least): a funnel narrows by orders of magnitude, and
    an empty-looking bar would read as zero.
    """
    first = steps[0][2] if steps else 0
    counts = {key: count for key, _label, count in steps}
    chained = [
        (key, label, count, steps[index - 1][0] if index else None)
        for index, (key, label, count) in enumerate(steps)
    ]
    bars = []
    for key, label, count, of_key in [*chained, *branches]:
        width = max(percent_of(count, first), 1 if count else 0)
        base = counts.get(of_key) if of_key else None
        share = (Decimal(count) * 100 / base).quantize(Decimal("0.1")) if base else None
        bars.append(FunnelBar(key, label, count, width, share))
    return bars


@dataclass(frozen=True)
class PlanBar:
    """A plan's bar: signed contracts, then those the pool is expected to add, and the target."""

    signed_width: int
    expected_width: int
    target_position: int


def plan_bar(*, signed, expected, target) -> PlanBar:
    """Widths on one scale, wide enough for the target and for signed plus expected."""
    scale = max(Decimal(signed) + Decimal(expected), Decimal(target), Decimal(1))
    signed_width = percent_of(signed, scale)
    total_width = percent_of(Decimal(signed) + Decimal(expected), scale)
    return PlanBar(
        signed_width=signed_width,
        expected_width=max(0, total_width - signed_width),
        target_position=percent_of(target, scale),
    )
