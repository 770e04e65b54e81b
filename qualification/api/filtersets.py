import django_filters
from django.utils.translation import gettext_lazy as _

from qualification.choices import LeadStage, SuggestedVerdict
from qualification.models import Lead


class LeadFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=LeadStage.choices, label=_("stage"))
    segment = django_filters.NumberFilter(field_name="segment_id", label=_("segment id"))
    suggested_verdict = django_filters.ChoiceFilter(
        choices=SuggestedVerdict.choices, label=_("suggested verdict")
    )
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("owner id"))
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
