"""Compile a criteria tree into a Django ``Q`` over the lead table (SQLite and PostgreSQL).

Each condition becomes one SQL expression whose values are all bound parameters; only
constants of this module and the allow-listed column reach the SQL text. ``not`` is pushed
down to the conditions (De Morgan); a condition is ``(test) IS TRUE`` and a negated one
``(test) IS NOT TRUE``, so a test that SQL leaves unknown (a null or a value of another
type) counts as false before any negation, exactly as in the Python predicate, and the
``Q`` may itself be negated (``~q``, ``exclude(q)``) safely.
"""

import re
from decimal import Decimal
from functools import reduce
from operator import and_, or_
from typing import Any

from django.conf import settings
from django.db import NotSupportedError
from django.db.models import BooleanField, Expression, F, Q

from portrait.criteria.catalogue import (
    BOOLEAN,
    LIST_OPERATORS,
    NUMBER,
    ORDERING_OPERATORS,
    STRING,
)
from portrait.criteria.validation import Condition, Negation, Node, parse_criteria

SQLITE_LOWER_FUNCTION = "py_lower"
# ICU's root-locale lower() folds exactly as Python's str.lower (final sigma, dotted I);
# glibc's does not quite. The setting CRITERIA_POSTGRES_LOWER_COLLATION overrides it (a
# false value: the database's default lower(), for a server built without ICU).
POSTGRES_ICU_COLLATION = "und-x-icu"

_COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")

Sql = tuple[str, list]


def py_lower(value: Any) -> Any:
    """SQLite's ``py_lower``: Python's Unicode ``str.lower`` (SQLite's own is ASCII-only)."""
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender: Any = None, connection: Any = None, **kwargs: Any) -> None:
    """``connection_created`` receiver: install the functions the compiled SQL calls."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_LOWER_FUNCTION, 1, py_lower, deterministic=True
        )


def _render(template: str, parts: dict[str, Sql]) -> Sql:
    """Fill ``{name}`` placeholders with SQL fragments, keeping their params in order."""
    pieces: list[str] = []
    params: list = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        sql, fragment_params = parts[match.group(1)]
        pieces.append(sql)
        params.extend(fragment_params)
        position = match.end()
    pieces.append(template[position:])
    return "".join(pieces), params


class _Dialect:
    """The SQL of each test for one database; ``V`` is the lead value typed as compared."""

    number_cast = "%s"
    string_cast = "%s"
    boolean_cast = "%s"
    ordering_collation = ""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def param(self, value: Any, kind: str) -> Sql:
        if kind == NUMBER:
            return self.number_cast, [self.number(value)]
        if kind == BOOLEAN:
            return self.boolean_cast, [value]
        return self.string_cast, [value]

    def number(self, value: Any) -> Any:
        raise NotImplementedError

    def typed_attribute(self, kind: str) -> str:
        raise NotImplementedError

    def lower(self, sql: str) -> str:
        raise NotImplementedError

    def condition(self, column: Sql, condition: Condition) -> Sql:
        parts: dict[str, Sql] = {"col": column}
        if condition.key is not None:
            parts["key"] = self.key(condition.key)
        op, kind, value = condition.op, condition.kind, condition.value
        if op == "is_null":
            if condition.key is None:
                template = "{col} IS NULL" if value else "{col} IS NOT NULL"
            else:
                template = self.attribute_is_null(value)
            return _render(template, parts)
        if condition.key is not None and op in ("contains", "icontains"):
            parts["value"] = self.param(value.lower() if op == "icontains" else value, kind)
            return _render(self.attribute_contains(op, kind), parts)

        typed = "{col}" if condition.key is None else self.typed_attribute(kind)
        parts["typed"] = _render(typed, parts)
        if op in _COMPARISONS:
            parts["value"] = self.param(value, kind)
            collation = (
                self.ordering_collation if kind == STRING and op in ORDERING_OPERATORS else ""
            )
            template = f"{{typed}}{collation} {_COMPARISONS[op]} {{value}}"
        elif op in LIST_OPERATORS:
            for index, item in enumerate(value):
                parts[f"item_{index}"] = self.param(item, kind)
            items = ", ".join(f"{{item_{index}}}" for index in range(len(value)))
            template = f"{{typed}} {'IN' if op == 'in' else 'NOT IN'} ({items})"
        elif op == "between":
            parts["low"] = self.param(value[0], kind)
            parts["high"] = self.param(value[1], kind)
            collation = self.ordering_collation if kind == STRING else ""
            template = f"{{typed}}{collation} BETWEEN {{low}} AND {{high}}"
        elif op == "startswith":
            parts["value"] = self.param(value, kind)
            template = self.startswith()
        elif op == "contains":
            parts["value"] = self.param(value, kind)
            template = self.substring("{typed}")
        else:  # icontains on a text column
            parts["value"] = self.param(value.lower(), kind)
            template = self.substring(self.lower("{typed}"))
        return _render(template, parts)


class _PostgresDialect(_Dialect):
    number_cast = "%s::numeric"
    string_cast = "%s::text"
    boolean_cast = "%s::boolean"
    ordering_collation = ' COLLATE "C"'  # code point order, as Python compares strings

    _JSON_TYPES = {NUMBER: "number", STRING: "string", BOOLEAN: "boolean"}
    _CASTS = {NUMBER: "::numeric", STRING: "", BOOLEAN: "::boolean"}

    def number(self, value: Any) -> Decimal:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def key(self, key: str) -> Sql:
        return "%s::text", [key]

    def typed_attribute(self, kind: str) -> str:
        return (
            f"(CASE WHEN jsonb_typeof({{col}} -> {{key}}) = '{self._JSON_TYPES[kind]}' "
            f"THEN ({{col}} ->> {{key}}){self._CASTS[kind]} END)"
        )

    def attribute_is_null(self, is_null: bool) -> str:
        comparison = "=" if is_null else "<>"
        return f"COALESCE(jsonb_typeof({{col}} -> {{key}}), 'null') {comparison} 'null'"

    def lower(self, sql: str) -> str:
        collation = getattr(settings, "CRITERIA_POSTGRES_LOWER_COLLATION", POSTGRES_ICU_COLLATION)
        if collation:
            if not re.fullmatch(r"[\w.-]+", collation):
                raise ValueError("CRITERIA_POSTGRES_LOWER_COLLATION is not a collation name")
            return f'LOWER(({sql}) COLLATE "{collation}")'
        return f"LOWER({sql})"

    def startswith(self) -> str:
        return "starts_with({typed}, {value})"

    def substring(self, haystack: str) -> str:
        return f"strpos({haystack}, {{value}}) > 0"

    def attribute_contains(self, op: str, kind: str) -> str:
        array = "{col} -> {key}"
        if op == "icontains":
            element = self.lower("criteria_element.item #>> '{}'")
            in_array = (
                # Only constants of this module and bound parameters: not an injection.
                f"EXISTS (SELECT 1 FROM jsonb_array_elements({array}) AS criteria_element(item) "  # noqa: S608
                f"WHERE jsonb_typeof(criteria_element.item) = 'string' AND {element} = {{value}})"
            )
            in_string = self.substring(self.lower("{col} ->> {key}"))
        else:
            in_array = f"({array}) @> jsonb_build_array({{value}})"
            in_string = self.substring("{col} ->> {key}") if kind == STRING else "FALSE"
        return (
            f"(CASE jsonb_typeof({array}) WHEN 'array' THEN {in_array} "
            f"WHEN 'string' THEN {in_string} ELSE FALSE END)"
        )


class _SqliteDialect(_Dialect):
    _JSON_TYPES = {
        NUMBER: "IN ('integer', 'real')",
        STRING: "= 'text'",
        BOOLEAN: "IN ('true', 'false')",
    }

    def number(self, value: Any) -> Any:
        # SQLite compares numbers as 64-bit integers or doubles; a Decimal would bind as text.
        return value if isinstance(value, int) else float(value)

    def key(self, key: str) -> Sql:
        # The key is restricted to [A-Za-z0-9_], so quoting it in the JSON path is safe.
        return "%s", [f'$."{key}"']

    def typed_attribute(self, kind: str) -> str:
        return (
            f"(CASE WHEN json_type({{col}}, {{key}}) {self._JSON_TYPES[kind]} "
            "THEN json_extract({col}, {key}) END)"
        )

    def attribute_is_null(self, is_null: bool) -> str:
        comparison = "=" if is_null else "<>"
        return f"COALESCE(json_type({{col}}, {{key}}), 'null') {comparison} 'null'"

    def lower(self, sql: str) -> str:
        return f"{SQLITE_LOWER_FUNCTION}({sql})"

    def startswith(self) -> str:
        return "instr({typed}, {value}) = 1"

    def substring(self, haystack: str) -> str:
        return f"instr({haystack}, {{value}}) > 0"

    def attribute_contains(self, op: str, kind: str) -> str:
        if op == "icontains":
            element = self.lower("criteria_element.value")
            element_test = f"criteria_element.type = 'text' AND {element} = {{value}}"
            in_string = self.substring(self.lower("json_extract({col}, {key})"))
        else:
            element_type = self._JSON_TYPES[kind]
            element_test = (
                f"criteria_element.type {element_type} AND criteria_element.value = {{value}}"
            )
            in_string = self.substring("json_extract({col}, {key})") if kind == STRING else "0"
        in_array = (
            # Only constants of this module and bound parameters: not an injection.
            "EXISTS (SELECT 1 FROM json_each({col}, {key}) AS criteria_element "  # noqa: S608
            f"WHERE {element_test})"
        )
        return (
            f"(CASE json_type({{col}}, {{key}}) WHEN 'array' THEN {in_array} "
            f"WHEN 'text' THEN {in_string} ELSE 0 END)"
        )


_DIALECTS = {"postgresql": _PostgresDialect, "sqlite": _SqliteDialect}


class CriteriaCondition(Expression):
    """One compiled condition as a two-valued boolean SQL expression."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: Any, condition: Condition, negated: bool = False) -> None:
        super().__init__()
        self.column = column
        self.condition = condition
        self.negated = negated

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.column!r}, {self.condition!r}, {self.negated})"

    def get_source_expressions(self) -> list:
        return [self.column]

    def set_source_expressions(self, expressions: list) -> None:
        (self.column,) = expressions

    def as_sql(self, compiler: Any, connection: Any) -> Sql:
        dialect = _DIALECTS.get(connection.vendor)
        if dialect is None:
            raise NotSupportedError(f"criteria rules are not compiled for {connection.vendor}")
        column = compiler.compile(self.column)
        sql, params = dialect(connection).condition((column[0], list(column[1])), self.condition)
        # Two-valued either way, so that Django's own negation (``~Q``, ``exclude()``) of
        # the compiled rule is plain boolean negation too.
        return f"(({sql}) {'IS NOT TRUE' if self.negated else 'IS TRUE'})", params


def _compile(node: Node, prefix: str, negated: bool) -> Q:
    if isinstance(node, Condition):
        return Q(CriteriaCondition(F(prefix + node.column), node, negated))
    if isinstance(node, Negation):
        return _compile(node.child, prefix, not negated)
    # De Morgan: not all = any not, not any = all not.
    combine = and_ if (node.connector == "all") != negated else or_
    return reduce(combine, (_compile(child, prefix, negated) for child in node.children))


def compile_q(tree: Any, prefix: str = "") -> Q:
    """Compile a valid rule into a ``Q`` over the lead model (``prefix="lead__"`` through a
    relation). Raises ``CriteriaError`` for an invalid rule."""
    return _compile(parse_criteria(tree), prefix, False)
