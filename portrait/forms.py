"""Admin forms of the portrait: criteria edited as readable, validated JSON."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import StorableJSONFormField
from config.text import validate_storable_json
from portrait.models import Exclusion, Segment


class CriteriaFormField(StorableJSONFormField):
    """A criteria rule as indented JSON; the model's validator names an invalid rule's path.

    Its depth is the criteria validator's to check: it names the path, and allows less.
    """

    default_validators = [validate_storable_json]

    def __init__(self, **kwargs):
        attrs = {"rows": 12, "cols": 80, "class": "vLargeTextField", "spellcheck": "false"}
        attrs["style"] = "font-family: monospace"
        kwargs.setdefault("widget", forms.Textarea(attrs=attrs))
        kwargs.setdefault(
            "help_text",
            _(
                'JSON, e.g. {"all": [{"field": "employees", "op": "gte", "value": 50}]}. '
                "Operators: eq ne lt lte gt gte in not_in between contains icontains "
                "startswith is_null; combine with all, any, not."
            ),
        )
        super().__init__(**kwargs)

    def as_json(self, value) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description", "criteria", "capacity", "average_deal_value", "priority"]
        field_classes = {"criteria": CriteriaFormField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ExclusionForm(forms.ModelForm):
    class Meta:
        model = Exclusion
        fields = ["name", "description", "criteria"]
        field_classes = {"criteria": CriteriaFormField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
