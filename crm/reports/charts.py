"""The reports page's charts as geometry: pure arithmetic, no ORM, tested without a database.

The charts are drawn by the template as inline SVG (as the dashboard's are), with every
figure also written out in text for screen readers and for Hebrew's right-to-left
layout: the columns are HTML items, so their order follows the page's direction.
"""

from dataclasses import dataclass
from decimal import Decimal

from crm.reports.arithmetic import ServiceFigures

#: A share of deadlines met at or above this (percent) reads as good; below ``FAIR`` as bad.
GOOD, FAIR = 90, 75
#: The rating scale.
LOWEST_RATING, HIGHEST_RATING = 1, 5


def tone(percent: int | None) -> str:
    """The colour a share of deadlines met is shown in: ``good``, ``fair``, ``bad`` or ``none``."""
    if percent is None:
        return "none"
    if percent >= GOOD:
        return "good"
    return "fair" if percent >= FAIR else "bad"


@dataclass(frozen=True)
class MonthColumn:
    """One month of the compliance chart: two bars (first response, resolution) of 0–100."""

    month: object
    figures: ServiceFigures | None
    response_height: int
    resolution_height: int

    @property
    def response_y(self) -> int:
        return 100 - self.response_height

    @property
    def resolution_y(self) -> int:
        return 100 - self.resolution_height


def month_columns(months: list, cells: list) -> list[MonthColumn]:
    """A column per month: the bars are the shares of deadlines met (0 where none decided)."""
    return [
        MonthColumn(
            month=month,
            figures=figures,
            response_height=(figures.response_percent or 0) if figures else 0,
            resolution_height=(figures.resolution_percent or 0) if figures else 0,
        )
        for month, figures in zip(months, cells, strict=True)
    ]


@dataclass(frozen=True)
class Sparkline:
    """A rating trend: the polyline through the months that have ratings, and its dots."""

    points: str
    dots: list[tuple[float, float, Decimal]]


def sparkline(values: list, *, width: int = 100, height: int = 30, margin: int = 3) -> Sparkline:
    """Points for ``values`` (one per month; None where there is none) on the 1–5 scale.

    x spreads the months over ``width``; y puts 5 at the top and 1 at the bottom,
    ``margin`` inside the box so that a dot is not cut at the edge.
    """
    count = len(values)
    step = (width - 2 * margin) / (count - 1) if count > 1 else 0
    span = HIGHEST_RATING - LOWEST_RATING
    dots = []
    for index, value in enumerate(values):
        if value is None:
            continue
        x = margin + index * step if count > 1 else width / 2
        y = margin + (HIGHEST_RATING - float(value)) / span * (height - 2 * margin)
        dots.append((round(x, 1), round(y, 1), value))
    return Sparkline(points=" ".join(f"{x},{y}" for x, y, _value in dots), dots=dots)


def rating_sparkline(row) -> Sparkline:
    """The sparkline of a rating report's row: its monthly averages."""
    return sparkline([cell.average if cell else None for cell in row.cells])
