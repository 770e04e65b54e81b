"""Forms of the qualification pages: the queue's filters and the decision on a lead."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portrait.models import Segment
from qualification.choices import DecisionVerdict, LeadStage, SuggestedVerdict
from qualification.models import RejectionReason

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25


class LeadFilterForm(forms.Form):
    """The queue's filters; every field is optional, and an invalid value is left out.

    The other filters still apply: a stale link with a segment no longer published
    keeps its stage and verdict. The page shows the field's error.
    """

    q = forms.CharField(label=_("Company"), required=False, max_length=255)
    suggested_verdict = forms.ChoiceField(
        label=_("Suggested verdict"),
        required=False,
        choices=[("", _("Any verdict")), *SuggestedVerdict.choices],
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        required=False,
        queryset=Segment.objects.none(),
        empty_label=_("Any segment"),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *LeadStage.choices]
    )
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        choices=[(size, str(size)) for size in PAGE_SIZES],
        initial=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, *args, segments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.fields["segment"].queryset = segments

    def filter(self, queryset):
        """``queryset`` narrowed by the filters whose values are valid."""
        data = self._valid_values()
        if data.get("q"):
            queryset = queryset.filter(company_name__icontains=data["q"])
        if data.get("suggested_verdict"):
            queryset = queryset.filter(suggested_verdict=data["suggested_verdict"])
        if data.get("segment"):
            queryset = queryset.filter(segment=data["segment"])
        if data.get("stage"):
            queryset = queryset.filter(stage=data["stage"])
        return queryset

    def leads_per_page(self) -> int:
        """Leads per page: the chosen size when valid, else the default."""
        return self._valid_values().get("page_size") or DEFAULT_PAGE_SIZE

    def _valid_values(self) -> dict:
        """The cleaned values of the valid fields; none for an unbound form."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleaned_data then holds the valid fields only
        return self.cleaned_data


class DecisionForm(forms.Form):
    """A salesperson's verdict; the decision service enforces the override's reason code."""

    verdict = forms.ChoiceField(
        label=_("Verdict"), choices=DecisionVerdict.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason_code = forms.ModelChoiceField(
        label=_("Reason code"),
        required=False,
        queryset=RejectionReason.objects.filter(is_active=True),
        empty_label=_("— none —"),
        help_text=_("Required when rejecting a lead the portrait suggests as interesting."),
    )
