"""Form fields shared by the admin and the pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from config.json_depth import BEYOND_PARSING, MAX_JSON_DEPTH, json_depth, validate_json_depth
from config.text import surrogates_escaped, validate_storable_json


class StorableJSONFormField(forms.JSONField):
    """A JSON form field that refuses what the database or the page could not hold.

    Text with NUL or unpaired surrogates is refused and, shown again with the error,
    written with escapes: a page holding an unpaired surrogate cannot be encoded. A
    document nested past ``MAX_JSON_DEPTH`` is shown again as it was typed, since
    encoding it anew could exhaust the stack.
    """

    default_validators = [validate_storable_json, validate_json_depth]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError as error:
            raise ValidationError(BEYOND_PARSING, code="invalid") from error

    def bound_data(self, data, initial):
        try:
            value = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        if not isinstance(value, InvalidJSONInput) and json_depth(value) > MAX_JSON_DEPTH:
            return InvalidJSONInput(data)
        return value

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return surrogates_escaped(self.as_json(value))

    def as_json(self, value) -> str:
        return super().prepare_value(value)
