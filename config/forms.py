"""Form fields shared by the admin and the pages."""

from django import forms
from django.forms.fields import InvalidJSONInput

from config.json_depth import validate_json_depth
from config.text import surrogates_escaped, validate_storable_json


class StorableJSONFormField(forms.JSONField):
    """A JSON form field that refuses text no database column can hold.

    Shown again with the error, such text is written with escapes: a page holding an
    unpaired surrogate could not be encoded and would fail as a server error.
    """

    default_validators = [validate_storable_json, validate_json_depth]

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return surrogates_escaped(self.as_json(value))

    def as_json(self, value) -> str:
        return super().prepare_value(value)
