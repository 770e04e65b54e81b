"""Leads, the companies that may become our clients, and the sources that push them."""

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.json_depth import validate_json_depth
from config.text import validate_storable_json
from qualification import normalise
from qualification.choices import LeadStage, SuggestedVerdict
from qualification.models.merges import LeadIdentity
from qualification.querysets import QUEUE_ORDER, LeadQuerySet


class Identity(NamedTuple):
    """A key a source knows a lead by."""

    source: str
    external_id: str


# What a source says about a lead: the columns a push writes and its content hash covers.
LEAD_CONTENT_FIELDS = (
    "company_name",
    "country",
    "region",
    "industry",
    "employees",
    "annual_revenue",
    "channel",
    "email",
    "phone",
    "website",
    "attributes",
)
# What the evaluation against the published portrait writes: never edited by hand.
LEAD_EVALUATION_FIELDS = (
    "evaluated_portrait",
    "segment",
    "suggested_verdict",
    "fit_score",
    "exclusions_hit",
    "evaluated_at",
)

# The duplicate keys of a lead, and the fields they are computed from.
_KEYS = ("website_domain", "email_domain", "name_key")
_KEY_SOURCES = frozenset({"website", "email", "company_name", "country"})


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
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        validators=[validate_storable_json, validate_json_depth],
    )
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
    # Hash of the last payload synced in: a replay is recognised before any row is written.
    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, default="", editable=False
    )
    # Normalised keys that flag possible duplicates across sources.
    website_domain = models.CharField(
        _("website domain"), max_length=255, null=True, blank=True, editable=False
    )
    email_domain = models.CharField(
        _("e-mail domain"), max_length=255, null=True, blank=True, editable=False
    )
    name_key = models.CharField(
        _("company name key"), max_length=255, null=True, blank=True, editable=False
    )

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
        # No index: nothing looks leads up by version (a run's sweep goes by id), and a
        # re-evaluation would insert an entry for every lead it rewrites.
        db_index=False,
        # No database constraint either: see ``segment``.
        db_constraint=False,
    )
    segment = models.ForeignKey(
        "portrait.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="leads",
        # Written only by the evaluation, from the published portrait's own rows, which
        # are never deleted (only drafts are, and no lead points at a draft); Django
        # still sets it to NULL on delete. A database constraint would check every
        # lead a re-evaluation or a sync writes, at commit: a sixth of the UPDATE's cost.
        db_constraint=False,
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
    # The queue's ranking (``qualification.ranking``), written with the segment by the
    # evaluation: the matched segment's priority and the lead's estimated value.
    segment_priority = models.PositiveSmallIntegerField(
        _("segment priority"), null=True, blank=True, editable=False
    )
    estimated_value = models.BigIntegerField(
        _("estimated value"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The segment's average annual deal scaled by the company's size."),
    )
    exclusions_hit = models.JSONField(_("exclusions hit"), default=list, blank=True, editable=False)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LeadQuerySet.as_manager()
    # Edits by people and by the services (``save()``); the bulk sync and re-evaluations
    # write in SQL and pay nothing.
    history = HistoricalRecords()

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
            ("mark_lead_lost", _("Can mark a qualified lead lost")),
            ("view_funnel_figures", _("Can see overrides, plans and alerts of everyone")),
        ]
        indexes = [
            models.Index(fields=["stage", "suggested_verdict"], name="lead_stage_verdict_idx"),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
            models.Index(fields=["website_domain"], name="lead_website_domain_idx"),
            models.Index(fields=["email_domain"], name="lead_email_domain_idx"),
            models.Index(fields=["name_key", "country"], name="lead_name_key_idx"),
            models.Index(*QUEUE_ORDER, name="lead_queue_rank_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="lead_unique_source_external_id"
            )
        ]

    def __str__(self) -> str:
        return self.company_name or f"{self.source}:{self.external_id}"

    def save(self, *args, **kwargs):
        self.normalise_keys()
        update_fields = kwargs.get("update_fields")
        # A partial save writes the keys only with the fields they derive from, so it
        # never overwrites them from fields this instance may hold stale.
        if update_fields is not None and not _KEY_SOURCES.isdisjoint(update_fields):
            kwargs["update_fields"] = {*update_fields, *_KEYS}
        super().save(*args, **kwargs)

    def normalise_keys(self) -> None:
        """Recompute the duplicate keys and tidy the country code from the lead's own fields."""
        if self.country:
            self.country = normalise.country_code(self.country)
        self.website_domain = normalise.website_domain(self.website)
        self.email_domain = normalise.email_domain(self.email)
        self.name_key = normalise.name_key(self.company_name)

    def clean(self):
        super().clean()
        if self.country and normalise.country_code(self.country) not in normalise.COUNTRY_CODES:
            raise ValidationError({"country": _("Not an ISO 3166-1 alpha-2 country code.")})
        # The key is fixed once the lead exists, so only a new lead's is checked.
        if (
            self._state.adding
            and LeadIdentity.objects.filter(
                source=self.source, external_id=self.external_id
            ).exists()
        ):
            raise ValidationError(
                {"external_id": _("Another lead took this identity over when they were merged.")}
            )

    def identities(self) -> list[Identity]:
        """Every ``(source, external_id)`` a push reaches this lead by, in that order.

        Its own and those it took over by merges (prefetch ``merged_identities`` for many).
        """
        merged = (Identity(row.source, row.external_id) for row in self.merged_identities.all())
        # A set: an older release's row for the own key may still be there.
        return sorted({Identity(self.source, self.external_id), *merged})


class LeadSource(models.Model):
    """An outside system pushing leads, and the integration accounts allowed to push to it."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accounts"),
        blank=True,
        related_name="lead_sources",
        help_text=_("Integration accounts that may push and read leads of this source."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Which integration accounts a source was granted to, and by whom.
    history = HistoricalRecords(m2m_fields=[accounts])

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
