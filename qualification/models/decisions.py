"""Decisions of salespeople on leads, and the managed list of rejection reasons."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qualification.choices import DecisionVerdict, SuggestedVerdict


class RejectionReason(models.Model):
    """A managed reason code, required when rejecting a lead the portrait calls interesting."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["code"]

    def __str__(self) -> str:
        # The seeded labels are msgids; a label written in the admin is shown as it is.
        return gettext(self.label) if self.label else ""


#: What a decision records, in the order the admin and the API show it.
DECISION_FIELDS = (
    "lead",
    "verdict",
    "reason",
    "reason_code",
    "decided_by",
    "decided_at",
    "evaluated_portrait",
    "suggested_verdict",
    "segment",
    "fit_score",
    "exclusions_hit",
    "lead_snapshot",
    "is_override",
    "is_current",
    "superseded_by",
)


class Decision(models.Model):
    """A person's verdict on a lead, with the evaluation it was made against.

    Never overwritten: a changed mind is a new decision and the old one is kept
    with ``is_current=False`` and ``superseded_by`` pointing at its successor.
    """

    lead = models.ForeignKey(
        "qualification.Lead",
        verbose_name=_("lead"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=DecisionVerdict.choices)
    reason = models.TextField(_("reason"), blank=True)
    reason_code = models.ForeignKey(
        RejectionReason,
        verbose_name=_("reason code"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="lead_decisions",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    # Snapshot of the evaluation the decision was made against.
    evaluated_portrait = models.ForeignKey(
        "portrait.Portrait",
        verbose_name=_("evaluated against"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    suggested_verdict = models.CharField(
        _("suggested verdict"),
        max_length=16,
        choices=SuggestedVerdict.choices,
        null=True,
        blank=True,
    )
    segment = models.ForeignKey(
        "portrait.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fit_score = models.PositiveSmallIntegerField(_("fit score"), null=True, blank=True)
    exclusions_hit = models.JSONField(_("exclusions hit"), default=list, blank=True)
    # The lead's values when it was decided: the evaluation can be replayed against them
    # after the lead changes.
    lead_snapshot = models.JSONField(
        _("the lead as it was"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    is_override = models.BooleanField(
        _("override"),
        default=False,
        help_text=_("Rejected although the portrait suggested the lead is interesting."),
    )
    is_current = models.BooleanField(_("current"), default=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("superseded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(is_current=True),
                name="decision_one_current_per_lead",
            )
        ]
        indexes = [models.Index(fields=["decided_by", "is_current"], name="decision_by_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.get_verdict_display()}"
