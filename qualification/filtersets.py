"""The filters of the lead list, written once: the API's list and the queue page use them."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import set_override

from config.filters import ChoiceFilter, IsoDateTimeFilter, PageFilterSetMixin
from portrait.selectors import segments_published
from qualification.choices import LeadStage, SuggestedVerdict
from qualification.models import Lead

MAX_ID = 2**63 - 1  # the database's bigint
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
ANY_STAGE = "all"
MINE = "mine"
UNASSIGNED = "unassigned"


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
    """Filters of ``GET /api/v1/leads/``; an invalid value is a 400 naming the filter."""

    q = django_filters.CharFilter(
        field_name="company_name", lookup_expr="icontains", max_length=255, label=_("Company")
    )
    suggested_verdict = ChoiceFilter(
        choices=SuggestedVerdict.choices,
        label=_("Suggested verdict"),
        empty_label=_("Any verdict"),
    )
    segment = IdFilter(field_name="segment_id", label=_("Segment id"))
    stage = ChoiceFilter(choices=LeadStage.choices, label=_("Stage"), empty_label=_("Any stage"))
    owner = IdFilter(field_name="owner_id", label=_("Owner id"))
    source = django_filters.CharFilter(
        method="filter_source", max_length=64, label=_("Source (any identity)")
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since (ISO 8601)")
    )

    class Meta:
        model = Lead
        fields = ["q", "suggested_verdict", "segment", "stage", "owner", "source", "updated_since"]

    def filter_source(self, queryset, name, value):
        return queryset.with_identity_in_source(value)


class LeadQueueFilterSet(PageFilterSetMixin, LeadFilterSet):
    """The queue page's filters: the same, with the published segments to choose from.

    A person's stale link keeps what still applies: an invalid value is left out (and
    shown with its error) while the other filters apply.
    """

    segment = django_filters.ModelChoiceFilter(
        queryset=segments_published(), label=_("Segment"), empty_label=_("Any segment")
    )
    # On the page an empty choice means "any".
    suggested_verdict = django_filters.ChoiceFilter(
        choices=SuggestedVerdict.choices,
        label=_("Suggested verdict"),
        empty_label=_("Any verdict"),
    )
    # Decided leads leave the default view: no stage chosen means the leads still to decide.
    stage = django_filters.ChoiceFilter(
        choices=[(ANY_STAGE, _("Any stage")), *LeadStage.choices],
        label=_("Stage"),
        empty_label=_("To decide"),
        method="filter_stage",
    )
    assigned = django_filters.ChoiceFilter(
        choices=[(MINE, _("Mine")), (UNASSIGNED, _("Unassigned"))],
        label=_("Owner"),
        empty_label=_("Anyone's"),
        method="filter_assigned",
    )
    country = django_filters.CharFilter(
        method="filter_country",
        max_length=2,
        label=_("Country"),
        widget=forms.TextInput(attrs={"size": 3, "autocomplete": "off", "placeholder": "UA"}),
    )
    page_size = django_filters.TypedChoiceFilter(
        label=_("Per page"),
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        choices=[(size, str(size)) for size in PAGE_SIZES],
        initial=DEFAULT_PAGE_SIZE,
        method="keep",
    )
    # Pulls of changes are the API's business, not the page's.
    owner = source = updated_since = None

    class Meta(LeadFilterSet.Meta):
        fields = [
            "q",
            "assigned",
            "country",
            "suggested_verdict",
            "segment",
            "stage",
            "page_size",
        ]

    def keep(self, queryset, name, value):
        return queryset

    def filter_stage(self, queryset, name, value):
        return queryset if value == ANY_STAGE else queryset.filter(stage=value)

    def filter_assigned(self, queryset, name, value):
        if value == UNASSIGNED:
            return queryset.filter(owner__isnull=True)
        user = getattr(self.request, "user", None)
        return queryset.filter(owner_id=getattr(user, "pk", None))

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())

    def queue_qs(self):
        """The valid filters' leads; without a chosen stage, only those still to decide."""
        leads = self.valid_qs()
        if not self.valid_values().get("stage"):
            leads = leads.filter(stage=LeadStage.NEW)
        return leads

    def leads_per_page(self) -> int:
        """Leads per page: the chosen size when valid, else the default."""
        return self.valid_values().get("page_size") or DEFAULT_PAGE_SIZE
