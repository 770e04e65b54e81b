"""Signed contracts: what turns an interesting lead into a client, clause by clause."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models.clients import Client
from crm.validators import validate_signed_on

currency_code = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 currency code, e.g. UAH."))


class Contract(models.Model):
    """A contract signed with a client for one of its leads: what conversion counts.

    ``base_value`` is the value in our base currency (``PORTRAIT_CRM["CURRENCY"]``)
    at the exchange rate of the day of signing, so plans and coverage add contracts up.
    """

    number = models.CharField(_("number"), max_length=64, unique=True)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="contracts"
    )
    lead = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("lead"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    signed_on = models.DateField(_("signed on"), validators=[validate_signed_on])
    value = models.DecimalField(
        _("value"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    exchange_rate = models.DecimalField(
        _("exchange rate to our base currency"),
        max_digits=14,
        decimal_places=6,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.000001"))],
    )
    base_value = models.DecimalField(
        _("value in our base currency"), max_digits=18, decimal_places=2, editable=False
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(1200)]
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts_sold",
        help_text=_("The lead's owner when it was signed: whose plan it counts for."),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-id"]
        permissions = [
            ("sign_any_contract", _("Can sign contracts for any salesperson's lead")),
        ]
        indexes = [models.Index(fields=["signed_on"], name="contract_signed_on_idx")]

    def __str__(self) -> str:
        return self.number


class ContractClause(models.Model):
    """A clause of the contract or an item of its specification: what negotiations cite."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="clauses"
    )
    ref = models.CharField(_("reference"), max_length=32)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("clause")
        verbose_name_plural = _("clauses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "ref"], name="clause_unique_ref")
        ]

    def __str__(self) -> str:
        return f"{self.contract} §{self.ref}"
