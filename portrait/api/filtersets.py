import django_filters
from django.utils.translation import gettext_lazy as _

from portrait.models import PortraitAcknowledgement


class PortraitAcknowledgementFilterSet(django_filters.FilterSet):
    # A choice, not a BooleanFilter, so that a value other than true/false is an error.
    acknowledged = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))],
        method="filter_acknowledged",
        label=_("Acknowledged"),
        help_text=_("true: who has acknowledged; false: who has not yet."),
    )

    class Meta:
        model = PortraitAcknowledgement
        fields = ["acknowledged"]

    def filter_acknowledged(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=value != "true")
