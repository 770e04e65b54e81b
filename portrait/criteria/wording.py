"""Criteria rules as people read them, in the language active when called.

Two forms, one module: the compact notation rule writers type (``employees ≥ 50``,
``country is one of UA, PL``: ``condition_text``, ``criteria_lines``, the operator words
of ``catalogue.OPERATORS``), and the sentences every page shows its readers
(``Employees is at least 50``: ``condition_sentence``, ``condition_html``,
``criteria_sentences``), with field labels, formatted values and named industries.
"""

import re
from decimal import Decimal

from django.utils import formats
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from portrait.criteria.catalogue import ATTRIBUTE_PREFIX, FIELD_CATALOGUE, OPERATORS
from portrait.criteria.industries import industry_name


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


# Sentences for people -----------------------------------------------------------------------
# Every page that shows a rule to the people it concerns (the portrait, a lead's explanation,
# the changes between versions) reads it with these: field labels instead of names, values
# formatted in the reader's language, industry codes with their names, no paths. The
# compact notation above is the one rule writers type.

_SENTENCES = {
    "eq": _lazy("%(field)s is %(value)s"),
    "ne": _lazy("%(field)s is not %(value)s"),
    "lt": _lazy("%(field)s is less than %(value)s"),
    "lte": _lazy("%(field)s is at most %(value)s"),
    "gt": _lazy("%(field)s is more than %(value)s"),
    "gte": _lazy("%(field)s is at least %(value)s"),
    "in": _lazy("%(field)s is one of %(value)s"),
    "not_in": _lazy("%(field)s is none of %(value)s"),
    "contains": _lazy("%(field)s contains %(value)s"),
    "icontains": _lazy("%(field)s contains %(value)s, in any case"),
    "startswith": _lazy("%(field)s starts with %(value)s"),
}
_LABELS = {entry.name: entry.label for entry in FIELD_CATALOGUE}


def field_label(field) -> str:
    """A field as people call it: its catalogue label; an attribute by its key."""
    field = str(field)
    if field.startswith(ATTRIBUTE_PREFIX):
        return _("Attribute “%(key)s”") % {"key": field[len(ATTRIBUTE_PREFIX) :]}
    label = _LABELS.get(field)
    return str(label) if label is not None else field


def _value_parts(value, field=None) -> list[str]:
    """A value as the items a person reads, each formatted in the active language."""
    if isinstance(value, list | tuple):
        return [part for item in value for part in _value_parts(item, field)]
    if value is None:
        return ["—"]
    if value is True:
        return [_("yes")]
    if value is False:
        return [_("no")]
    if isinstance(value, int | float | Decimal):
        return [formats.number_format(value, force_grouping=True)]
    text = str(value)
    if field == "industry":
        name = industry_name(text)
        if name:
            return [_("%(code)s (%(name)s)") % {"code": text, "name": name}]
    return [text]


def value_shown(value, field=None) -> str:
    """A value as a person reads it: numbers grouped, industries named, lists joined."""
    return ", ".join(_value_parts(value, field))


def value_html(value, field=None) -> str:
    """``value_shown`` with each item in ``<bdi>``, so that Hebrew pages keep its direction."""
    return format_html_join(", ", "<bdi>{}</bdi>", ((part,) for part in _value_parts(value, field)))


def _sentence(condition: dict, *, html: bool) -> str:
    """The sentence of ``condition``; with ``html``, safe HTML: the translation and every part
    from the rule escaped, each value wrapped in ``<bdi>``.
    """
    show = value_html if html else value_shown
    op = condition.get("op")
    field_name = condition.get("field")
    value = condition.get("value")
    parts = {"field": field_label(field_name)}
    if op == "is_null":
        template = _("%(field)s is empty") if value else _("%(field)s is filled in")
    elif op == "between" and isinstance(value, list | tuple) and len(value) == 2:
        template = _("%(field)s is between %(low)s and %(high)s")
        parts |= {"low": show(value[0], field_name), "high": show(value[1], field_name)}
    elif op in _SENTENCES:
        template = str(_SENTENCES[op])
        parts["value"] = show(value, field_name)
    else:
        template = _("%(field)s %(operator)s %(value)s")
        parts |= {"operator": str(op), "value": show(value, field_name)}
    if not html:
        return template % parts
    # The translation's placeholders in format_html's style, so that it escapes the rest.
    braced = str(template).replace("{", "{{").replace("}", "}}")
    return format_html(_PLACEHOLDER.sub(r"{\1}", braced), **parts)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def condition_sentence(condition: dict) -> str:
    """One condition as a sentence: ``Employees is at least 50``."""
    return _sentence(condition, html=False)


def condition_html(condition: dict) -> str:
    """``condition_sentence`` as safe HTML, its values in ``<bdi>``."""
    return _sentence(condition, html=True)


_GROUPS = {
    "all": _lazy("All of these:"),
    "any": _lazy("At least one of these:"),
    "not": _lazy("Not this:"),
}


def criteria_sentences(tree, results: list[dict] | None = None, depth: int = 0) -> list[dict]:
    """A rule as lines of sentences (``html`` and ``text``), groups as headings.

    With ``results`` (a lead's explanation: one entry per condition, in document order, as
    the predicate gives them), each line also says whether it holds (``matched``) and, for
    a condition, the lead's value (``actual_html``).
    """
    remaining = iter(results) if results is not None else None
    return _sentence_lines(tree, remaining, depth)


def _sentence_lines(tree, results, depth: int) -> list[dict]:
    if isinstance(tree, dict) and ("all" in tree or "any" in tree):
        key = "all" if "all" in tree else "any"
        heading = {"depth": depth, "text": str(_GROUPS[key]), "is_group": True}
        heading["html"] = conditional_escape(heading["text"])
        children = [_sentence_lines(child, results, depth + 1) for child in tree[key] or []]
        if results is not None:
            outcomes = [lines[0].get("matched") for lines in children]
            heading["matched"] = all(outcomes) if key == "all" else any(outcomes)
        return [heading, *(line for lines in children for line in lines)]
    if isinstance(tree, dict) and "not" in tree:
        heading = {"depth": depth, "text": str(_GROUPS["not"]), "is_group": True}
        heading["html"] = conditional_escape(heading["text"])
        child = _sentence_lines(tree["not"], results, depth + 1)
        if results is not None:
            heading["matched"] = not child[0].get("matched")
        return [heading, *child]
    if not isinstance(tree, dict):
        return [{"depth": depth, "text": value_shown(tree), "html": value_html(tree)}]
    line = {"depth": depth, "text": condition_sentence(tree), "html": condition_html(tree)}
    if results is not None:
        result = next(results, None) or {}
        line["matched"] = bool(result.get("matched"))
        line["actual_html"] = value_html(result.get("actual"), tree.get("field"))
    return [line]
