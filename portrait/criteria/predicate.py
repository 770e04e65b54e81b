"""Compile a criteria tree into a Python predicate over one lead, with an explanation.

The tree is compiled once into closures; calling the predicate does no parsing.
"""

import copy
import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from portrait.criteria.catalogue import BOOLEAN, LIST_OPERATORS, NUMBER, STRING
from portrait.criteria.validation import (
    Condition,
    Group,
    Negation,
    Node,
    iter_conditions,
    parse_criteria,
)

_MISSING = object()
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_COMPARISONS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


@dataclass(frozen=True, slots=True)
class PredicateResult:
    """Whether a lead matched, and one explanation entry per condition in document order."""

    matched: bool
    explanation: list[dict]


Predicate = Callable[[Mapping[str, Any]], PredicateResult]
_Compiled = Callable[[Mapping[str, Any], list], bool]


def _number(value: Any) -> Any:
    """The value as an exact number (floats read as their shortest decimal), else ``None``.

    A float is read the way JSON writes it, so ``0.1`` equals the ``0.1`` PostgreSQL stores.
    """
    kind = type(value)
    if kind is int or (kind is Decimal and value.is_finite()):
        return value
    if kind is float:
        return Decimal(repr(value)) if value - value == 0 else None
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return None


def _string(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _boolean(value: Any) -> Any:
    return value if type(value) is bool else None


_TYPED = {NUMBER: _number, STRING: _string, BOOLEAN: _boolean}


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or kind is float:
        return value
    if value is _MISSING:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def _condition_value(condition: Condition) -> Any:
    """The condition's value in the form tests compare against (exact numbers)."""
    if condition.kind == NUMBER:
        if isinstance(condition.value, tuple):
            return tuple(_number(item) for item in condition.value)
        return _number(condition.value)
    return condition.value


def _test(condition: Condition) -> Callable[[Any], bool]:
    """A function of the lead's raw value (``_MISSING`` when absent) saying if it matches."""
    op = condition.op
    if op == "is_null":
        if condition.value:
            return lambda actual: actual is None or actual is _MISSING
        return lambda actual: actual is not None and actual is not _MISSING

    typed = _TYPED[condition.kind]
    value = _condition_value(condition)

    if op in LIST_OPERATORS:
        members = frozenset(value)
        if op == "in":
            return lambda actual: (x := typed(actual)) is not None and x in members
        return lambda actual: (x := typed(actual)) is not None and x not in members
    if op == "between":
        low, high = value
        return lambda actual: (x := typed(actual)) is not None and low <= x <= high
    if op == "startswith":
        return lambda actual: isinstance(actual, str) and actual.startswith(value)
    if op == "contains":

        def contains(actual: Any) -> bool:
            if isinstance(actual, list | tuple):
                return any(typed(item) == value for item in actual)
            return isinstance(actual, str) and condition.kind == STRING and value in actual

        return contains
    if op == "icontains":
        folded = value.lower()

        def icontains(actual: Any) -> bool:
            if isinstance(actual, list | tuple):
                return any(isinstance(item, str) and item.lower() == folded for item in actual)
            return isinstance(actual, str) and folded in actual.lower()

        return icontains

    compare = _COMPARISONS[op]
    if condition.kind == STRING:
        return lambda actual: isinstance(actual, str) and compare(actual, value)
    if condition.kind == BOOLEAN:
        return lambda actual: type(actual) is bool and compare(actual, value)
    return lambda actual: (x := _number(actual)) is not None and compare(x, value)


def _compile_condition(condition: Condition) -> _Compiled:
    test = _test(condition)
    path, field, op = condition.path, condition.field, condition.op
    shown_value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
    column, key = condition.column, condition.key

    def evaluate(values: Mapping[str, Any], explanation: list) -> bool:
        if key is None:
            actual = values.get(column)
        else:
            attributes = values.get(column)
            actual = attributes.get(key, _MISSING) if isinstance(attributes, dict) else _MISSING
        matched = test(actual)
        explanation.append(
            {
                "path": path,
                "field": field,
                "op": op,
                "value": shown_value,
                "actual": actual if type(actual) in _PLAIN_TYPES else _jsonable(actual),
                "matched": matched,
            }
        )
        return matched

    return evaluate


def _compile(node: Node) -> _Compiled:
    if isinstance(node, Condition):
        return _compile_condition(node)
    if isinstance(node, Negation):
        child = _compile(node.child)
        return lambda values, explanation: not child(values, explanation)
    assert isinstance(node, Group)
    children = tuple(_compile(child) for child in node.children)
    # Every child runs (no short-circuit) so the explanation covers every condition.
    if node.connector == "all":
        return lambda values, explanation: all([child(values, explanation) for child in children])
    return lambda values, explanation: any([child(values, explanation) for child in children])


def _cached_by_tree(build: Callable[[Node], Any]) -> Callable[[Any], Any]:
    """Memoise ``build(parse_criteria(tree))``: callers compile the same rule per lead.

    A hit on the very same tree object (unchanged since) costs one dict comparison; an equal
    tree elsewhere hits a cache keyed by its canonical JSON. Trees are validated on a miss.
    """
    by_identity: dict[int, tuple[Any, Any, Any]] = {}

    @lru_cache(maxsize=256)
    def by_canonical_json(canonical: str) -> Any:
        return build(parse_criteria(json.loads(canonical)))

    def cached(tree: Any) -> Any:
        entry = by_identity.get(id(tree))
        if entry is not None and entry[0] is tree and entry[1] == tree:
            return entry[2]
        try:
            canonical = json.dumps(tree, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            return build(parse_criteria(tree))  # not plain JSON: raises or compiles uncached
        result = by_canonical_json(canonical)
        if len(by_identity) >= 256:
            by_identity.clear()
        # The entry holds the tree itself, so its id cannot be reused while cached.
        by_identity[id(tree)] = (tree, copy.deepcopy(tree), result)
        return result

    return cached


def _build_predicate(node: Node) -> Predicate:
    root = _compile(node)

    def predicate(values: Mapping[str, Any]) -> PredicateResult:
        explanation: list[dict] = []
        return PredicateResult(root(values, explanation), explanation)

    return predicate


_compile_predicate_cached = _cached_by_tree(_build_predicate)


def compile_predicate(tree: Any) -> Predicate:
    """Compile a valid rule into ``predicate(lead_values) -> PredicateResult``.

    ``lead_values`` maps field names to the lead's values (``attributes`` to its JSON
    dict). Raises ``CriteriaError`` for an invalid rule. Compiled rules are cached.
    """
    return _compile_predicate_cached(tree)


_referenced_fields_cached = _cached_by_tree(
    lambda node: frozenset(condition.field for condition in iter_conditions(node))
)


def referenced_fields(tree: Any) -> set[str]:
    """The fields (``"employees"``, ``"attributes.stack"``) a valid rule tests."""
    return set(_referenced_fields_cached(tree))
