"""The result table and the JSON file of figures. Pure code, no Django."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIRECTORY = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One measured figure, set against the physical limit and the naive way where there is one.

    ``higher_is_better`` says how to read the figures: rates (leads/s) are better
    high, durations (s, µs) low. ``ratio_vs_limit`` is always "how many times
    worse than the limit" (1.0 = at the limit) and ``speedup_vs_naive`` "how many
    times better than the naive way", whichever the unit.
    """

    scenario: str
    metric: str
    unit: str
    measured: float | None
    limit: float | None = None
    naive: float | None = None
    higher_is_better: bool = False
    target: str = ""
    passed: bool | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio_vs_limit(self) -> float | None:
        if not self.measured or not self.limit:
            return None
        if self.higher_is_better:
            return self.limit / self.measured
        return self.measured / self.limit

    @property
    def speedup_vs_naive(self) -> float | None:
        if not self.measured or not self.naive:
            return None
        if self.higher_is_better:
            return self.measured / self.naive
        return self.naive / self.measured


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "-"}[passed]


HEADERS = [
    "scenario",
    "metric",
    "measured",
    "limit",
    "naive",
    "× limit",
    "× faster than naive",
    "target",
    "pass",
]


def format_table(rows: list[Row]) -> str:
    """A plain-text table, one line per row, columns aligned; notes follow the table."""
    cells = [
        [
            row.scenario,
            f"{row.metric} ({row.unit})",
            _number(row.measured),
            _number(row.limit),
            _number(row.naive),
            _ratio(row.ratio_vs_limit),
            _ratio(row.speedup_vs_naive),
            row.target,
            _verdict(row.passed),
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [HEADERS, *cells]) for i in range(len(HEADERS))]
    numeric = {2, 3, 4, 5, 6}

    def render(line: list[str]) -> str:
        parts = [
            text.rjust(widths[i]) if i in numeric else text.ljust(widths[i])
            for i, text in enumerate(line)
        ]
        return " | ".join(parts).rstrip()

    lines = [render(HEADERS), "-+-".join("-" * width for width in widths)]
    lines += [render(line) for line in cells]
    notes = [f"[{row.scenario}] {row.metric}: {row.note}" for row in rows if row.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def to_document(rows: list[Row], *, settings: dict) -> dict:
    """The JSON document of a run: the settings it ran with and every row with its ratios."""
    return {
        "finished_at": datetime.now(UTC).isoformat(),
        "settings": settings,
        "rows": [
            {
                **asdict(row),
                "ratio_vs_limit": row.ratio_vs_limit,
                "speedup_vs_naive": row.speedup_vs_naive,
            }
            for row in rows
        ],
    }


def timestamp() -> str:
    """Now in UTC, as the results' file names carry it."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def write_json(rows: list[Row], *, settings: dict, directory: Path = RESULTS_DIRECTORY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{timestamp()}.json"
    path.write_text(json.dumps(to_document(rows, settings=settings), indent=2, default=str))
    return path
