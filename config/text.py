"""Text a database column can hold: no NUL character and no unpaired surrogate.

JSON lets both through as escapes (``"\\u0000"``, ``"\\ud800"``): PostgreSQL refuses
the first and no UTF-8 encoder takes the second, so either would fail a write as a
server error. Inputs are checked here and refused as the field's error instead.
"""

import re
from typing import Any

# A Python string holds a surrogate only unpaired: a JSON pair decodes to one character.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def printable(text: str) -> str:
    """``text`` with its unpaired surrogates as ``\\udXXX`` escapes, safe to echo back."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unstorable_path(data: Any, prefix: str = "") -> str | None:
    """Where the first unstorable text in parsed JSON ``data`` is (``leads[3].name``), or None.

    Keys count too; the path spells them with ``printable``.
    """
    if isinstance(data, str):
        return None if is_storable(data) else prefix or "non_field_errors"
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{printable(key)}" if prefix else printable(key)
            if not is_storable(key):
                return path
            found = unstorable_path(value, path)
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = unstorable_path(value, f"{prefix}[{index}]")
            if found is not None:
                return found
    return None
