"""Forms of stage 2's pages: signing a contract from the lead page."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.models.contracts import currency_code


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
