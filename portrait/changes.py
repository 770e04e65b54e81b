"""What changed from one portrait version to the next, as a pure function of the two.

Segments and exclusions are matched by name (a rename reads as one removed and one added:
the name is what people know a segment by). For each matched pair the sizes (capacity,
average annual deal value, market potential), the priority and the description are compared,
and the criteria as the sentences people read (``portrait.criteria.wording``), line by line.
No ORM here: the callers pass plain snapshots (``rule_snapshot``), so it is unit-tested
without a database.
"""

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from portrait.criteria.wording import criteria_sentences

#: The figures of a segment compared between versions, in the order they are shown.
SEGMENT_FIGURES = (
    ("priority", _("Priority")),
    ("capacity", _("Capacity")),
    ("average_deal_value", _("Average annual deal value")),
    ("market_potential", _("Market potential")),
)


def rule_snapshot(rule) -> dict[str, Any]:
    """A segment or exclusion (model or mapping) as this module reads it."""
    read = rule.get if isinstance(rule, Mapping) else lambda name: getattr(rule, name, None)
    snapshot = {
        "name": read("name") or "",
        "description": read("description") or "",
        "criteria": read("criteria"),
    }
    if read("capacity") is not None or read("priority") is not None:
        capacity = read("capacity") or 0
        deal = Decimal(read("average_deal_value") or 0)
        snapshot |= {
            "priority": read("priority"),
            "capacity": capacity,
            "average_deal_value": deal,
            "market_potential": Decimal(capacity) * deal,
        }
    return snapshot


@dataclass(frozen=True)
class FigureChange:
    key: str
    label: str
    before: Any
    after: Any

    @property
    def is_changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class CriteriaLine:
    """One line of a rule's criteria in the comparison: ``same``, ``removed`` or ``added``."""

    change: str
    depth: int
    html: str
    text: str


@dataclass(frozen=True)
class RuleChange:
    """A rule as it is in one version or both: ``added``, ``removed``, ``changed``, ``same``."""

    name: str
    change: str
    before: dict | None
    after: dict | None
    figures: list[FigureChange] = field(default_factory=list)
    criteria: list[CriteriaLine] = field(default_factory=list)
    is_criteria_changed: bool = False
    is_description_changed: bool = False


@dataclass(frozen=True)
class PortraitChanges:
    segments: list[RuleChange]
    exclusions: list[RuleChange]
    is_description_changed: bool

    @property
    def count(self) -> int:
        """How many segments and exclusions were added, removed or changed."""
        return sum(1 for rule in (*self.segments, *self.exclusions) if rule.change != "same")


def _keyed(rules: Iterable[dict]) -> dict[tuple[str, int], dict]:
    """Rules by ``(name, occurrence)``: two rules of one name pair up in their order."""
    seen: dict[str, int] = {}
    keyed = {}
    for rule in rules:
        name = rule["name"].strip()
        keyed[(name, seen.get(name, 0))] = rule
        seen[name] = seen.get(name, 0) + 1
    return keyed


def criteria_lines_diff(before, after) -> list[CriteriaLine]:
    """The criteria of two versions as one list of sentences, each marked as kept or not."""
    old = criteria_sentences(before) if before is not None else []
    new = criteria_sentences(after) if after is not None else []
    # Compared by depth and words, so that a condition moved into a group reads as changed.
    matcher = difflib.SequenceMatcher(
        a=[(line["depth"], line["text"]) for line in old],
        b=[(line["depth"], line["text"]) for line in new],
        autojunk=False,
    )
    lines = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            lines += [_line("same", line) for line in new[new_start:new_end]]
            continue
        lines += [_line("removed", line) for line in old[old_start:old_end]]
        lines += [_line("added", line) for line in new[new_start:new_end]]
    return lines


def _line(change: str, line: dict) -> CriteriaLine:
    return CriteriaLine(change, line["depth"], line["html"], line["text"])


def _rule_change(name: str, before: dict | None, after: dict | None) -> RuleChange:
    criteria = criteria_lines_diff(
        before["criteria"] if before else None, after["criteria"] if after else None
    )
    if before is None or after is None:
        figures = [
            FigureChange(key, str(label), before and before.get(key), after and after.get(key))
            for key, label in SEGMENT_FIGURES
            if (before or after).get(key) is not None
        ]
        return RuleChange(
            name, "added" if before is None else "removed", before, after, figures, criteria
        )
    figures = [
        FigureChange(key, str(label), before.get(key), after.get(key))
        for key, label in SEGMENT_FIGURES
        if before.get(key) is not None or after.get(key) is not None
    ]
    is_criteria_changed = before["criteria"] != after["criteria"]
    is_description_changed = before["description"] != after["description"]
    changed = (
        is_criteria_changed
        or is_description_changed
        or any(figure.is_changed for figure in figures)
    )
    return RuleChange(
        name,
        "changed" if changed else "same",
        before,
        after,
        figures,
        criteria,
        is_criteria_changed,
        is_description_changed,
    )


def _rules_diff(before: Iterable[dict], after: Iterable[dict]) -> list[RuleChange]:
    """Every rule of either version: the changed, added and removed first, then the same."""
    old, new = _keyed(before), _keyed(after)
    keys = [*new, *(key for key in old if key not in new)]
    changes = [_rule_change(key[0], old.get(key), new.get(key)) for key in keys]
    order = {"changed": 0, "added": 1, "removed": 2, "same": 3}
    return sorted(changes, key=lambda change: order[change.change])


def portrait_changes(
    *, before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> PortraitChanges:
    """The changes from ``before`` to ``after``: mappings of ``description``, ``segments`` and
    ``exclusions`` (rules as ``rule_snapshot`` gives them). Without ``before`` (the first
    version) everything is added.
    """
    before = before or {
        "description": after.get("description", ""),
        "segments": [],
        "exclusions": [],
    }
    return PortraitChanges(
        segments=_rules_diff(before["segments"], after["segments"]),
        exclusions=_rules_diff(before["exclusions"], after["exclusions"]),
        is_description_changed=(before.get("description") or "")
        != (after.get("description") or ""),
    )


def portrait_snapshot(portrait) -> dict[str, Any]:
    """A portrait (with its segments and exclusions) as ``portrait_changes`` reads it."""
    return {
        "description": portrait.description,
        "segments": [rule_snapshot(segment) for segment in portrait.segments.all()],
        "exclusions": [rule_snapshot(exclusion) for exclusion in portrait.exclusions.all()],
    }
