"""The criteria rule language: validate, compile to a ``Q``, compile to a predicate.

Pure code over a catalogue of field names and types; no model imports.
"""

from portrait.criteria.errors import CriteriaError
from portrait.criteria.validation import validate_criteria

__all__ = ["CriteriaError", "validate_criteria"]
