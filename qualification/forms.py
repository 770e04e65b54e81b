"""The decision form of the lead page (the queue's filters are ``LeadQueueFilterSet``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from qualification.choices import DecisionVerdict
from qualification.models import RejectionReason


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


class LeadLossForm(forms.Form):
    """Why a qualified lead will not sign; the loss service needs an active reason code."""

    reason_code = forms.ModelChoiceField(
        label=_("Reason code"),
        queryset=RejectionReason.objects.filter(is_active=True),
        empty_label=_("— choose —"),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
