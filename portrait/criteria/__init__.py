"""The criteria rule language: validate, compile to a ``Q``, compile to a predicate.

Pure code over a catalogue of field names and types; no model imports.
"""

from portrait.criteria.catalogue import FIELD_CATALOGUE, FIELD_TYPES, OPERATORS
from portrait.criteria.database import compile_q
from portrait.criteria.errors import CriteriaError
from portrait.criteria.predicate import PredicateResult, compile_predicate, referenced_fields
from portrait.criteria.validation import (
    normalise_criteria,
    validate_criteria,
)

__all__ = [
    "FIELD_CATALOGUE",
    "FIELD_TYPES",
    "OPERATORS",
    "CriteriaError",
    "PredicateResult",
    "compile_predicate",
    "compile_q",
    "normalise_criteria",
    "referenced_fields",
    "validate_criteria",
]
