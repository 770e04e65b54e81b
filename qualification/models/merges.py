"""What merging leads leaves behind: identities taken over, possible duplicates, merge records."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualification.choices import DuplicateReason


class LeadIdentity(models.Model):
    """A ``(source, external_id)`` a lead took over from a lead merged into it.

    A lead's own identity is its ``source`` and ``external_id``; this table holds only
    what merges add, so a later push under a merged identity updates the survivor.
    Kept apart because a row per lead here doubled the writes of every synced lead.
    """

    lead = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        related_name="merged_identities",
    )
    source = models.CharField(_("source"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead identity")
        verbose_name_plural = _("lead identities")
        ordering = ["source", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="leadidentity_unique_source_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class DuplicateCandidate(models.Model):
    """Two leads that look like the same company, flagged on arrival for sales to merge.

    ``lead`` is always the newer row (higher id), ``duplicate_of`` the older one.
    """

    lead = models.ForeignKey(
        "qualification.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("possible duplicate of"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=DuplicateReason.choices)
    resolved = models.BooleanField(_("resolved"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "duplicate_of", "reason"], name="duplicatecandidate_unique_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(lead__gt=models.F("duplicate_of")),
                name="duplicatecandidate_ordered_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} ~ {self.duplicate_of_id} ({self.reason})"


class LeadMerge(models.Model):
    """The record of a merge: who merged which lead into which, and what it held then."""

    survivor = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("survivor"),
        on_delete=models.CASCADE,
        related_name="merges",
    )
    merged_lead_id = models.BigIntegerField(_("merged lead id"))
    merged_snapshot = models.JSONField(_("merged lead as it was"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead merge")
        verbose_name_plural = _("lead merges")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.merged_lead_id} → {self.survivor_id}"
