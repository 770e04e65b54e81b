import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portrait import criteria
from portrait.versioning.models import DocumentAcknowledgement, VersionedDocument


def _validate_criteria_field(value) -> None:
    """The criteria language's check, for the model and so for every form of it."""
    try:
        criteria.validate_criteria(value)
    except criteria.CriteriaError as error:
        raise ValidationError(
            _("At %(path)s: %(message)s") % {"path": error.path, "message": error.message}
            if error.path
            else error.message,
            code="invalid_criteria",
        ) from error


class Portrait(VersionedDocument):
    """The written portrait of our client: who we serve (segments) and who we do not."""

    description = models.TextField(_("description"), blank=True)

    acknowledgement_model = "portrait.PortraitAcknowledgement"
    copied_relations = ("segments", "exclusions")
    # Who changed what in a draft, and who published it: ``save()`` only, never bulk.
    history = HistoricalRecords()

    class Meta(VersionedDocument.Meta):
        verbose_name = _("portrait")
        verbose_name_plural = _("portraits")
        constraints = VersionedDocument.versioning_constraints("portrait")
        permissions = [
            ("publish_portrait", _("Can publish a portrait version")),
            ("acknowledge_portrait", _("Can acknowledge the published portrait")),
        ]


class Segment(models.Model):
    """A target group of companies, with its criteria and its size in our market."""

    portrait = models.ForeignKey(
        Portrait, verbose_name=_("portrait"), on_delete=models.CASCADE, related_name="segments"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    criteria = models.JSONField(_("criteria"), validators=[_validate_criteria_field])
    capacity = models.PositiveIntegerField(
        _("capacity"), default=0, help_text=_("How many such companies exist in our market.")
    )
    average_deal_value = models.DecimalField(
        _("average annual deal value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are matched first.")
    )
    # The same segment from version to version: a copy keeps it, and a published version
    # takes over the rows (and so the ids) of the version before that it continues
    # (``portrait.continuity``), so leads in a segment whose rule holds stay as they are.
    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def market_potential(self) -> Decimal:
        """Capacity × average annual deal value."""
        return Decimal(self.capacity) * (self.average_deal_value or Decimal("0"))


class Exclusion(models.Model):
    """Who is not our client, whatever segment they would otherwise match."""

    portrait = models.ForeignKey(
        Portrait, verbose_name=_("portrait"), on_delete=models.CASCADE, related_name="exclusions"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    criteria = models.JSONField(_("criteria"), validators=[_validate_criteria_field])
    # The same exclusion from version to version, as a segment's ``lineage``.
    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class PortraitAcknowledgement(DocumentAcknowledgement):
    """Who has been asked to read a published portrait and who has confirmed it."""

    document = models.ForeignKey(
        Portrait,
        verbose_name=_("portrait"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )

    class Meta:
        verbose_name = _("portrait acknowledgement")
        verbose_name_plural = _("portrait acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "user"], name="portrait_acknowledgement_once"
            )
        ]
