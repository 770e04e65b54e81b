"""Criteria rules as people read them: ``employees ≥ 50``, ``country is one of UA, PL``.

One wording for every page that shows a rule or explains a condition; the words of
each operator are the catalogue's (``catalogue.OPERATORS``). Translated in the
language active when called.
"""

from django.utils.translation import gettext as _

from portrait.criteria.catalogue import OPERATORS


def value_text(value) -> str:
    """A value as shown: a list joined with commas, ``—`` for none, booleans as yes or no."""
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value)
    if value is None:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def condition_text(condition: dict) -> str:
    """One condition as a sentence: ``employees ≥ 50``, ``country is one of UA, PL``."""
    op = condition.get("op")
    label = OPERATORS.get(op, op)
    if op == "is_null":
        state = label if condition.get("value") else _("is filled in")
        return _("%(field)s %(state)s") % {"field": condition.get("field"), "state": state}
    value = condition.get("value")
    if op == "between" and isinstance(value, list | tuple) and len(value) == 2:
        return _("%(field)s is between %(low)s and %(high)s") % {
            "field": condition.get("field"),
            "low": value_text(value[0]),
            "high": value_text(value[1]),
        }
    return _("%(field)s %(operator)s %(value)s") % {
        "field": condition.get("field"),
        "operator": label,
        "value": value_text(value),
    }


def criteria_lines(tree, depth: int = 0) -> list[dict]:
    """A criteria rule as indented lines a person reads: groups, negations, conditions."""
    if not isinstance(tree, dict):
        return [{"depth": depth, "text": value_text(tree)}]
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        heading = _("all of:") if key == "all" else _("any of:")
        lines = [{"depth": depth, "text": heading, "is_group": True}]
        for child in tree[key] or []:
            lines.extend(criteria_lines(child, depth + 1))
        return lines
    if "not" in tree:
        return [
            {"depth": depth, "text": _("not:"), "is_group": True},
            *criteria_lines(tree["not"], depth + 1),
        ]
    return [{"depth": depth, "text": condition_text(tree)}]
