import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override

from qualification.choices import LeadStage, SuggestedVerdict
from qualification.models import Lead

MAX_ID = 2**63 - 1  # the database's bigint


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number within the database's bigint (a larger one is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # The OpenAPI type, on the instance so that it keeps this filter's description.
        schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
        set_override(self, "field", {**schema, "description": self.label})


class LeadFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=LeadStage.choices, label=_("stage"))
    segment = IdFilter(field_name="segment_id", label=_("segment id"))
    suggested_verdict = django_filters.ChoiceFilter(
        choices=SuggestedVerdict.choices, label=_("suggested verdict")
    )
    owner = IdFilter(field_name="owner_id", label=_("owner id"))
    source = django_filters.CharFilter(
        method="filter_source", max_length=64, label=_("source (any identity)")
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("updated since (ISO 8601)")
    )

    class Meta:
        model = Lead
        fields = ["stage", "segment", "suggested_verdict", "owner", "source", "updated_since"]

    def filter_source(self, queryset, name, value):
        return queryset.with_identity_in_source(value)
