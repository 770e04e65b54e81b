"""How deep a JSON document nests, and the limit for documents we store.

Python's parser accepts about a thousand levels, but what is stored must also be
encoded again (the admin's form, the API) by recursive code: a document stored at 900
levels would then fail as a server error. Nobody's lead attributes nest 32 deep.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_JSON_DEPTH = 32
TOO_DEEP = _("JSON may nest at most %(limit)d levels deep.")
# Past what Python's own parser or encoder can follow (a RecursionError).
BEYOND_PARSING = _("The JSON is nested too deeply.")


def json_depth(data: Any) -> int:
    """The levels of objects and lists in ``data`` (a scalar is 0); iterative."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def may_nest_too_deep(encoded: str) -> bool:
    """Cheap test on a document's JSON text: fewer brackets than the limit cannot nest past it."""
    return encoded.count("{") + encoded.count("[") > MAX_JSON_DEPTH


def validate_json_depth(value: Any) -> None:
    """Model validator of a JSON field: refuse documents nested past ``MAX_JSON_DEPTH``."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValidationError(TOO_DEEP, code="too_deep", params={"limit": MAX_JSON_DEPTH})
