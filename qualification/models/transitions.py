"""The record of every change of a lead's stage or owner."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qualification.choices import LeadChange, LeadStage


class LeadTransition(models.Model):
    """Who moved a lead to which stage or owner, when, from what, and why.

    A lead's stage and owner change only through services (a decision, a
    reassignment, a merge, a signed contract, a loss); each writes one row, so the
    history of the funnel is whole and nobody edits it.
    """

    lead = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    change = models.CharField(_("change"), max_length=16, choices=LeadChange.choices)
    stage_before = models.CharField(_("stage before"), max_length=16, choices=LeadStage.choices)
    stage_after = models.CharField(_("stage after"), max_length=16, choices=LeadStage.choices)
    owner_before = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner before"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_after = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner after"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)
    reason_code = models.ForeignKey(
        "qualification.RejectionReason",
        verbose_name=_("reason code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("lead transition")
        verbose_name_plural = _("lead transitions")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["lead", "changed_at"], name="leadtransition_lead_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.get_change_display()}"
