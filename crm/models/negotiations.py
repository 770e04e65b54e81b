"""Negotiations on hard questions, argued against the contract and its specification."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import NegotiationEntryKind, NegotiationOutcome, NegotiationParty
from crm.models.clients import Client
from crm.models.contracts import Contract


class Negotiation(models.Model):
    """A hard question with a client (article 002, point 3): positions, proposals, outcome.

    Open until closed with an outcome; one past its deadline without an outcome raises
    an alert for the owner's managers.
    """

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="negotiations"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="negotiations",
    )
    feedback = models.ForeignKey(
        "crm.Feedback",
        verbose_name=_("opened from feedback"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="negotiations",
    )
    clause_ref = models.CharField(_("clause or specification item"), max_length=32, blank=True)
    question = models.TextField(_("question"))
    deadline = models.DateTimeField(_("deadline"))
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=NegotiationOutcome.choices, blank=True
    )
    agreement = models.TextField(_("agreement"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the managers were told it passed its deadline: once per negotiation.
    overdue_alerted_at = models.DateTimeField(
        _("overdue alert sent at"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("negotiation")
        verbose_name_plural = _("negotiations")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=models.Q(outcome=""),
                name="negotiation_open_deadline_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.question[:60]}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.now()


class NegotiationEntry(models.Model):
    """A position or a proposal of one side, as it was said: never edited, never deleted.

    A correction is a new entry that names the one it corrects.
    """

    negotiation = models.ForeignKey(
        Negotiation,
        verbose_name=_("negotiation"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    party = models.CharField(_("side"), max_length=8, choices=NegotiationParty.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=NegotiationEntryKind.choices)
    text = models.TextField(_("text"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("negotiation entry")
        verbose_name_plural = _("negotiation entries")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_party_display()}: {self.text[:60]}"
