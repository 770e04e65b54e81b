"""Text a database column can hold: no NUL character and no unpaired surrogate.

JSON lets both through as escapes (``"\\u0000"``, ``"\\ud800"``): PostgreSQL refuses
the first and no UTF-8 encoder takes the second, so either would fail a write (or the
page echoing it back) as a server error. Inputs are checked here and refused as the
field's error instead.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNSTORABLE_TEXT = _("Text may not contain NUL characters or unpaired surrogates.")

# A Python string holds a surrogate only unpaired: a JSON pair decodes to one character.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def surrogates_escaped(text: str) -> str:
    """``text`` with unpaired surrogates written as ``\\udXXX``: safe to echo in a page or JSON."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def unstorable_path(data: Any) -> str | None:
    """Where the first unstorable text in parsed JSON ``data`` is (``leads[3].name``), or None.

    Keys count too; the path spells them with ``surrogates_escaped``. Iterative, so a
    deeply nested document cannot exhaust the stack.
    """
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if not is_storable(value):
                return path or "non_field_errors"
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                key = str(key)  # a Python caller's dict may have other keys than text
                child = f"{path}.{surrogates_escaped(key)}" if path else surrogates_escaped(key)
                if not is_storable(key):
                    return child
                children.append((child, item))
            pending.extend(reversed(children))
        elif isinstance(value, list):
            pending.extend(reversed([(f"{path}[{i}]", item) for i, item in enumerate(value)]))
    return None


def validate_storable_json(value: Any) -> None:
    """Model validator of a JSON field: refuse text no database column can hold."""
    if unstorable_path(value) is not None:
        raise ValidationError(UNSTORABLE_TEXT, code="unstorable_text")


# What a spreadsheet opening a CSV reads as the start of a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows and never runs.

    A cell an uploader wrote (an unknown column's name) that starts like a formula,
    ``=HYPERLINK(…)``, would run in the spreadsheet of whoever opens the file: a leading
    apostrophe keeps it text (OWASP's advice against CSV injection).
    """
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
