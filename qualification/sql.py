"""SQL that differs between the two databases the project runs on (PostgreSQL, SQLite)."""

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection


def id_in(column: str, ids: Iterable[int]) -> tuple[str, Any]:
    """``column`` among ``ids``: SQL with one parameter, the ids as one array.

    One parameter whatever the number of ids, so the statement's text stays the same.
    """
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", list(ids)
    column_in = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - ours
    return column_in, json.dumps(list(ids))


def is_distinct_from() -> str:
    """The null-safe inequality operator."""
    return "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"


def greatest() -> str:
    """The function of the largest of its arguments (two or more)."""
    return "GREATEST" if connection.vendor == "postgresql" else "MAX"


def least() -> str:
    """The function of the smallest of its arguments (two or more)."""
    return "LEAST" if connection.vendor == "postgresql" else "MIN"
