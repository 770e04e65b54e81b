"""Forms of stage 2's pages: signing a contract from the lead page; recording feedback and
delays; opening, arguing and closing a negotiation."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.choices import (
    Channel,
    FeedbackKind,
    NegotiationEntryKind,
    NegotiationOutcome,
    NegotiationParty,
    Severity,
)
from crm.models import Client, Contract, Department
from crm.models.contracts import currency_code
from crm.validators import validate_received_at


class ContractSignForm(forms.Form):
    """What a signed contract says; the clauses one per line, ``ref | text``."""

    number = forms.CharField(label=_("Contract number"), max_length=64)
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    value = forms.DecimalField(label=_("Value"), max_digits=16, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, validators=[currency_code])
    exchange_rate = forms.DecimalField(
        label=_("Exchange rate to our base currency"),
        max_digits=14,
        decimal_places=6,
        required=False,
        help_text=_("Only for a contract in another currency."),
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=32767)
    clauses = forms.CharField(
        label=_("Clauses and specification items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line: the reference, a vertical bar, the text (4.2 | Delivery ...)."),
    )

    def clean_clauses(self) -> list[dict]:
        clauses = []
        for line in self.cleaned_data["clauses"].splitlines():
            if not line.strip():
                continue
            ref, bar, text = line.partition("|")
            if not bar:
                raise ValidationError(_("Write each clause as: reference | text."))
            clauses.append({"ref": ref.strip(), "text": text.strip()})
        return clauses

    def signing(self) -> tuple[dict, list[dict]]:
        """The contract's data and its clauses, as ``contract_sign`` takes them."""
        data = dict(self.cleaned_data)
        clauses = data.pop("clauses")
        if data.get("exchange_rate") is None:
            data.pop("exchange_rate", None)
        return data, clauses


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        # The browser's control reads "YYYY-MM-DDTHH:MM".
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


RATINGS = [("", _("No rating")), *((str(n), "★" * n + "☆" * (5 - n)) for n in range(5, 0, -1))]


class FeedbackForm(forms.Form):
    """What a client told us, as any employee records it: the deadlines follow from the rules."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    kind = forms.ChoiceField(label=_("What it is"), choices=[("", "—"), *FeedbackKind.choices])
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", "—"), *Channel.choices])
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.NORMAL,
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=RATINGS, coerce=int, empty_value=None, required=False
    )
    text = forms.CharField(
        label=_("What the client said"), widget=forms.Textarea(attrs={"rows": 4})
    )
    department = forms.ModelChoiceField(
        label=_("Department that took it"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("—"),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=_DateTimeInput(),
        help_text=_("Leave empty for now."),
        validators=[validate_received_at],
    )

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class DelayForm(forms.Form):
    """A delay, as the department that causes it tells it: the client hears of it at once."""

    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), empty_label=_("—")
    )
    reference = forms.CharField(
        label=_("Contract or order reference"),
        max_length=64,
        help_text=_("Postponements of the same reference are counted."),
    )
    what = forms.CharField(label=_("What will be late"), widget=forms.Textarea(attrs={"rows": 3}))
    new_date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class NegotiationEntryForm(forms.Form):
    """One side's position or proposal, as it was said."""

    party = forms.ChoiceField(label=_("Side"), choices=NegotiationParty.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=NegotiationEntryKind.choices)
    text = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}))


class NegotiationCloseForm(forms.Form):
    """How a negotiation ended; an agreement needs its text."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=NegotiationOutcome.choices)
    agreement = forms.CharField(
        label=_("Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NegotiationFromFeedbackForm(forms.Form):
    """A hard question a feedback item raises, to negotiate with the client."""

    question = forms.CharField(
        label=_("Question to negotiate"), widget=forms.Textarea(attrs={"rows": 3})
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False, empty_label=_("—")
    )
    clause_ref = forms.CharField(
        label=_("Clause or specification item"), max_length=32, required=False
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=_DateTimeInput())

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts


class ReportForm(forms.Form):
    """What the reports page breaks its figures down by, and over how many months."""

    by = forms.ChoiceField(
        label=_("Deadlines met by"),
        initial="channel",
        choices=[
            ("channel", _("Channel")),
            ("department", _("Department")),
            ("owner", _("Account owner")),
        ],
        required=False,
    )
    rating_by = forms.ChoiceField(
        label=_("Ratings by"),
        initial="owner",
        choices=[
            ("owner", _("Account owner")),
            ("department", _("Department")),
            ("client", _("Client")),
        ],
        required=False,
    )
    months = forms.TypedChoiceField(
        label=_("Months"),
        initial="6",
        choices=[(str(n), str(n)) for n in (3, 6, 12, 24)],
        coerce=int,
        required=False,
        empty_value=6,
    )

    def choices(self) -> dict:
        """The valid choices, each field's first (or the default months) where not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "by": data.get("by") or "channel",
            "rating_by": data.get("rating_by") or "owner",
            "months": data.get("months") or 6,
        }
