"""Parse and validate a criteria tree into an immutable syntax tree both compilers share.

Every error names the offending path (``all[2].any[0].op``; the root is ``""``).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext

from config.text import UNSTORABLE_TEXT, is_storable, surrogates_escaped
from portrait.criteria.catalogue import (
    ATTRIBUTE_KEY_PATTERN,
    ATTRIBUTE_PREFIX,
    ATTRIBUTES_FIELD,
    BOOLEAN,
    COUNTRY_CODE_PATTERN,
    FIELD_TYPES,
    LIST_OPERATORS,
    MAX_ABSOLUTE_NUMBER,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_LIST_ITEMS,
    NUMBER,
    OPERATORS,
    ORDERING_OPERATORS,
    STRING,
    TYPE_LABELS,
)
from portrait.criteria.errors import CriteriaError

CONDITION_KEYS = ("field", "op", "value")
GROUP_KEYS = ("all", "any")
NOT_KEY = "not"
STRING_ONLY_OPERATORS = frozenset({"icontains", "startswith"})
# Operators that only make sense on text or lists, never on a numeric column.
TEXT_OPERATORS = frozenset({"contains", "icontains", "startswith"})


@dataclass(frozen=True)
class Condition:
    """One test of one lead value; ``kind`` is the compared type (``None`` for ``is_null``)."""

    path: str
    field: str
    column: str
    key: str | None
    op: str
    value: Any
    kind: str | None


@dataclass(frozen=True)
class Group:
    """``all`` (every child holds) or ``any`` (some child holds)."""

    path: str
    connector: str
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Negation:
    """``not``: plain boolean negation of its child."""

    path: str
    child: "Node"


Node = Condition | Group | Negation


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _scalar_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    return None


def _check_scalar(value: Any, path: str) -> str:
    kind = _scalar_kind(value)
    if kind is None:
        raise CriteriaError(path, gettext("The value must be a number, a string or a boolean."))
    # One comparison rejects NaN, infinities and integers too large for a float.
    if kind == NUMBER and not -MAX_ABSOLUTE_NUMBER <= value <= MAX_ABSOLUTE_NUMBER:
        raise CriteriaError(
            path,
            gettext("The number must be finite and at most %(limit)s in absolute value.")
            % {"limit": f"{MAX_ABSOLUTE_NUMBER:.0e}"},
        )
    if kind == STRING and not is_storable(value):
        raise CriteriaError(path, str(UNSTORABLE_TEXT))
    return kind


def _check_list(value: Any, path: str, *, exact_length: int | None = None) -> str:
    if not isinstance(value, list | tuple) or not value:
        raise CriteriaError(path, gettext("The value must be a non-empty list."))
    if exact_length is not None and len(value) != exact_length:
        raise CriteriaError(
            path,
            gettext("The value must be a list of exactly %(count)d items.")
            % {"count": exact_length},
        )
    if len(value) > MAX_LIST_ITEMS:
        raise CriteriaError(
            path,
            gettext("The list must have at most %(count)d items.") % {"count": MAX_LIST_ITEMS},
        )
    kinds = [_check_scalar(item, f"{path}[{index}]") for index, item in enumerate(value)]
    for index, kind in enumerate(kinds):
        if kind != kinds[0]:
            raise CriteriaError(
                f"{path}[{index}]", gettext("Every item of the list must have the same type.")
            )
    return kinds[0]


def _parse_field(field: Any, path: str) -> tuple[str, str | None, str | None]:
    """Return ``(column, key, column type)`` of an allowed field name."""
    if isinstance(field, str):
        if field in FIELD_TYPES:
            return field, None, FIELD_TYPES[field]
        if field.startswith(ATTRIBUTE_PREFIX):
            key = field[len(ATTRIBUTE_PREFIX) :]
            if ATTRIBUTE_KEY_PATTERN.fullmatch(key):
                return ATTRIBUTES_FIELD, key, None
            raise CriteriaError(
                path,
                gettext(
                    "An attribute key must start with a letter or underscore and hold at most "
                    "64 letters, digits or underscores."
                ),
            )
    raise CriteriaError(
        path,
        gettext("Unknown field %(field)s; allowed: %(allowed)s and attributes.<key>.")
        % {"field": repr(field), "allowed": ", ".join(FIELD_TYPES)},
    )


def _parse_condition(node: Mapping, path: str) -> Condition:
    for key in node:
        if key not in CONDITION_KEYS:
            raise CriteriaError(
                _join(path, surrogates_escaped(str(key))), gettext("Unknown key in a condition.")
            )
    for key in CONDITION_KEYS:
        if key not in node:
            raise CriteriaError(_join(path, key), gettext("This key is required."))
    column, key, column_type = _parse_field(node["field"], _join(path, "field"))
    op = node["op"]
    op_path = _join(path, "op")
    if not isinstance(op, str) or op not in OPERATORS:
        raise CriteriaError(
            op_path,
            gettext("Unknown operator %(op)s; allowed: %(allowed)s.")
            % {"op": repr(op), "allowed": ", ".join(OPERATORS)},
        )
    if column_type == NUMBER and op in TEXT_OPERATORS:
        raise CriteriaError(
            op_path, gettext("The operator %(op)s does not apply to a number.") % {"op": op}
        )
    value = node["value"]
    value_path = _join(path, "value")
    if op == "is_null":
        if not isinstance(value, bool):
            raise CriteriaError(
                value_path,
                gettext("is_null takes true (the value is missing) or false (it is present)."),
            )
        return Condition(path, node["field"], column, key, op, value, None)
    if op in LIST_OPERATORS:
        kind = _check_list(value, value_path)
        value = tuple(value)
    elif op == "between":
        kind = _check_list(value, value_path, exact_length=2)
        if kind == BOOLEAN:
            raise CriteriaError(value_path, gettext("between needs numbers or strings."))
        if value[0] > value[1]:
            raise CriteriaError(
                value_path, gettext("The low end must not be greater than the high end.")
            )
        value = tuple(value)
    else:
        kind = _check_scalar(value, value_path)
        if op in ORDERING_OPERATORS and kind == BOOLEAN:
            raise CriteriaError(
                value_path, gettext("The operator %(op)s needs a number or a string.") % {"op": op}
            )
        if op in STRING_ONLY_OPERATORS and kind != STRING:
            raise CriteriaError(
                value_path, gettext("The operator %(op)s needs a string.") % {"op": op}
            )
    if column_type is not None and kind != column_type:
        raise CriteriaError(
            value_path,
            gettext("The field %(field)s holds a %(type)s; compare it with a %(type)s.")
            % {"field": node["field"], "type": TYPE_LABELS[column_type]},
        )
    if column == "country" and op in {"eq", "ne", "in", "not_in"}:
        for index, item in enumerate(value if isinstance(value, tuple) else (value,)):
            if not COUNTRY_CODE_PATTERN.fullmatch(item):
                item_path = f"{value_path}[{index}]" if isinstance(value, tuple) else value_path
                raise CriteriaError(
                    item_path,
                    gettext("A country is an ISO 3166-1 alpha-2 code in capitals, e.g. UA."),
                )
    return Condition(path, node["field"], column, key, op, value, kind)


class _Parser:
    def __init__(self) -> None:
        self.condition_count = 0

    def parse(self, node: Any, path: str, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise CriteriaError(
                path, gettext("Rules nest at most %(depth)d levels deep.") % {"depth": MAX_DEPTH}
            )
        if not isinstance(node, Mapping):
            raise CriteriaError(
                path, gettext("A rule must be an object: all, any, not or a condition.")
            )
        if any(key in node for key in CONDITION_KEYS):
            self.condition_count += 1
            if self.condition_count > MAX_CONDITIONS:
                raise CriteriaError(
                    path,
                    gettext("A rule holds at most %(count)d conditions.")
                    % {"count": MAX_CONDITIONS},
                )
            return _parse_condition(node, path)
        for key in node:
            if key not in (*GROUP_KEYS, NOT_KEY):
                raise CriteriaError(
                    _join(path, surrogates_escaped(str(key))), gettext("Unknown key in a rule.")
                )
        if len(node) != 1:
            raise CriteriaError(
                path,
                gettext("A rule must be exactly one of: all, any, not or a condition."),
            )
        ((key, child),) = node.items()
        child_path = _join(path, key)
        if key == NOT_KEY:
            return Negation(path, self.parse(child, child_path, depth + 1))
        if not isinstance(child, list | tuple) or not child:
            raise CriteriaError(child_path, gettext("A group must be a non-empty list of rules."))
        children = tuple(
            self.parse(item, f"{child_path}[{index}]", depth + 1)
            for index, item in enumerate(child)
        )
        return Group(path, key, children)


def parse_criteria(tree: Any) -> Node:
    """Validate ``tree`` and return its syntax tree; raise ``CriteriaError`` naming the path."""
    return _Parser().parse(tree, "", 1)


def validate_criteria(tree: Any) -> None:
    """Raise ``CriteriaError`` naming the offending path if ``tree`` is not a valid rule."""
    parse_criteria(tree)


def iter_conditions(node: Node) -> Iterator[Condition]:
    """The conditions of a syntax tree in document order."""
    if isinstance(node, Condition):
        yield node
    elif isinstance(node, Negation):
        yield from iter_conditions(node.child)
    else:
        for child in node.children:
            yield from iter_conditions(child)


def _to_json(node: Node) -> dict:
    if isinstance(node, Condition):
        value = list(node.value) if isinstance(node.value, tuple) else node.value
        return {"field": node.field, "op": node.op, "value": value}
    if isinstance(node, Negation):
        return {NOT_KEY: _to_json(node.child)}
    return {node.connector: [_to_json(child) for child in node.children]}


def normalise_criteria(tree: Any) -> dict:
    """A validated, canonical copy of ``tree`` (plain JSON types, fixed key order)."""
    return _to_json(parse_criteria(tree))
