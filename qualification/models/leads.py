from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qualification.choices import LeadStage, SuggestedVerdict


class Lead(models.Model):
    """A company that may become our client: what the portrait's filters evaluate."""

    source = models.CharField(_("source"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    company_name = models.CharField(_("company name"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, null=True)
    region = models.CharField(_("region"), max_length=128, blank=True, null=True)
    industry = models.CharField(_("industry"), max_length=32, blank=True, null=True)
    employees = models.PositiveIntegerField(_("employees"), blank=True, null=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"),
        max_digits=18,
        decimal_places=2,
        blank=True,
        null=True,
        validators=[MinValueValidator(0)],
    )
    channel = models.CharField(_("channel"), max_length=64, blank=True, null=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, null=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, null=True)
    website = models.CharField(_("website"), max_length=255, blank=True, null=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_leads",
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=LeadStage.choices, default=LeadStage.NEW
    )
    source_updated_at = models.DateTimeField(_("updated at the source"), null=True, blank=True)

    # The current evaluation against the published portrait. Kept on the lead so
    # that a re-evaluation is one set-based UPDATE and the queue filters cheaply.
    evaluated_portrait = models.ForeignKey(
        "portrait.Portrait",
        verbose_name=_("evaluated against"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    segment = models.ForeignKey(
        "portrait.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="leads",
    )
    suggested_verdict = models.CharField(
        _("suggested verdict"),
        max_length=16,
        choices=SuggestedVerdict.choices,
        null=True,
        blank=True,
        editable=False,
    )
    fit_score = models.PositiveSmallIntegerField(
        _("fit score"), null=True, blank=True, editable=False
    )
    exclusions_hit = models.JSONField(_("exclusions hit"), default=list, blank=True, editable=False)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [
            ("qualify_lead", _("Can decide whether a lead is interesting")),
            ("sync_lead", _("Can push leads from an outside system")),
            ("import_lead", _("Can import leads from files")),
            ("view_all_leads", _("Can see every lead, assigned or not")),
            ("reassign_lead", _("Can reassign leads to another salesperson")),
            ("merge_lead", _("Can merge duplicate leads")),
            ("view_funnel_figures", _("Can see overrides, plans and alerts of everyone")),
        ]
        indexes = [
            models.Index(fields=["stage", "suggested_verdict"], name="lead_stage_verdict_idx"),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="lead_unique_source_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.company_name or f"{self.source}:{self.external_id}"
