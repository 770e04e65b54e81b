"""What a criteria rule may refer to: lead fields, their types, operators and limits.

The catalogue is the allow-list both compilers trust; the admin and the docs read it too.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

NUMBER = "number"
STRING = "string"
BOOLEAN = "boolean"
#: The value types as people read them in messages.
TYPE_LABELS = {NUMBER: _("number"), STRING: _("string"), BOOLEAN: _("boolean")}

#: The lead columns a rule may test, with the type of their values.
FIELD_TYPES: dict[str, str] = {
    "company_name": STRING,
    "country": STRING,
    "region": STRING,
    "industry": STRING,
    "employees": NUMBER,
    "annual_revenue": NUMBER,
    "channel": STRING,
    "source": STRING,
}

#: ``attributes.<key>`` tests one top-level key of the lead's free JSON.
ATTRIBUTES_FIELD = "attributes"
ATTRIBUTE_PREFIX = ATTRIBUTES_FIELD + "."
ATTRIBUTE_KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

COUNTRY_CODE_PATTERN = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class FieldDescription:
    """One entry of the field catalogue shown to the people who write rules."""

    name: str
    type: str
    label: str
    help_text: str


FIELD_CATALOGUE: tuple[FieldDescription, ...] = (
    FieldDescription("company_name", STRING, _("Company name"), _("As the lead was entered.")),
    FieldDescription(
        "country", STRING, _("Country"), _("ISO 3166-1 alpha-2 code in capitals, e.g. UA, PL.")
    ),
    FieldDescription("region", STRING, _("Region"), _("Region or province, free text.")),
    FieldDescription("industry", STRING, _("Industry"), _("NACE code, e.g. 62.01.")),
    FieldDescription("employees", NUMBER, _("Employees"), _("Head count, a whole number.")),
    FieldDescription(
        "annual_revenue", NUMBER, _("Annual revenue"), _("In the lead's reporting currency.")
    ),
    FieldDescription("channel", STRING, _("Channel"), _("How the lead reached us.")),
    FieldDescription("source", STRING, _("Source"), _("The system that pushed the lead.")),
    FieldDescription(
        "attributes.<key>",
        "any",
        _("Attribute"),
        _(
            "A top-level key of the lead's attributes (letters, digits, underscore); "
            "its JSON value is compared with the type of the rule's value."
        ),
    ),
)

ORDERING_OPERATORS = frozenset({"lt", "lte", "gt", "gte"})
LIST_OPERATORS = frozenset({"in", "not_in"})

#: Every operator, with the words a condition is read with (``wording``): ``employees ≥ 50``.
OPERATORS: dict[str, str] = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "in": _("is one of"),
    "not_in": _("is none of"),
    "between": _("is between"),
    "contains": _("contains"),
    "icontains": _("contains, ignoring case"),
    "startswith": _("starts with"),
    "is_null": _("is empty"),
}

MAX_DEPTH = 10
MAX_CONDITIONS = 200
MAX_LIST_ITEMS = 1000
# Beyond this a number loses meaning as a lead figure and overflows SQLite's integers.
MAX_ABSOLUTE_NUMBER = 10**18
