"""The code of service rules: a versioned document, acknowledged by every employee."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import Channel, ClientKind, Severity
from crm.models.clients import validate_time_zone
from portrait.versioning.models import DocumentAcknowledgement, VersionedDocument

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def validate_hours(value) -> None:
    """``{"mon": [["09:00", "18:00"]], ..., "sun": []}``: intervals per weekday, start < end."""
    if not isinstance(value, dict) or not set(value) <= set(WEEKDAYS):
        raise ValidationError(_("Opening hours per weekday: mon, tue, … sun."))
    for day, intervals in value.items():
        if not isinstance(intervals, list):
            raise ValidationError(_("%(day)s: a list of [start, end] pairs.") % {"day": day})
        for interval in intervals:
            if not (isinstance(interval, list | tuple) and len(interval) == 2):
                raise ValidationError(_("%(day)s: a list of [start, end] pairs.") % {"day": day})
            start, end = (parse_clock(text) for text in interval)
            if start is None or end is None or not (end == "24:00" or start < end):
                raise ValidationError(
                    _(
                        "%(day)s: %(interval)s is not an interval of the day "
                        "(HH:MM, start before end)."
                    )
                    % {"day": day, "interval": "–".join(map(str, interval))}
                )


def parse_clock(text):
    """``"09:30"`` → ``time(9, 30)``; ``"24:00"`` stays ``"24:00"`` (the day's end); else None."""
    if text == "24:00":
        return "24:00"
    try:
        return (
            datetime.time.fromisoformat(text) if isinstance(text, str) and len(text) == 5 else None
        )
    except ValueError:
        return None


def validate_closed_days(value) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("A list of dates (YYYY-MM-DD)."))
    for item in value:
        try:
            datetime.date.fromisoformat(item)
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(value)s is not a date (YYYY-MM-DD).") % {"value": item}
            ) from None


class ServiceRules(VersionedDocument):
    """How we serve every client (article 002, point 4): the standards in the company's own
    words, the service calendar, and the response and resolution targets per channel.
    """

    standards = models.TextField(
        _("standards"),
        blank=True,
        help_text=_("Be liked, listen, negotiate: in the company's own words."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        help_text=_(
            "ISO 3166 country code whose public holidays close the service (UA, PL, IL …)."
        ),
    )
    closed_days = models.JSONField(
        _("closed days"), default=list, blank=True, validators=[validate_closed_days]
    )
    hours = models.JSONField(_("opening hours"), default=dict, validators=[validate_hours])

    acknowledgement_model = "crm.ServiceRulesAcknowledgement"
    copied_relations = ("targets",)

    history = HistoricalRecords()

    class Meta(VersionedDocument.Meta):
        verbose_name = _("service rules")
        verbose_name_plural = _("service rules")
        constraints = VersionedDocument.versioning_constraints("servicerules")
        permissions = [
            ("publish_servicerules", _("Can publish a version of the service rules")),
            ("acknowledge_servicerules", _("Can acknowledge the service rules in force")),
        ]

    def clean(self) -> None:
        super().clean()
        if self.holiday_country:
            import holidays

            if self.holiday_country.upper() not in holidays.list_supported_countries():
                raise ValidationError(
                    {"holiday_country": _("No public holidays are known for this country.")}
                )
            self.holiday_country = self.holiday_country.upper()


#: A target of a year of round-the-clock minutes at most: a longer one is no promise.
LONGEST_TARGET_MINUTES = 366 * 24 * 60


class ServiceTarget(models.Model):
    """How soon a client hears back and is helped, in service minutes, for one channel and
    severity; ``client_kind`` empty applies to every kind without a target of its own.
    """

    rules = models.ForeignKey(
        ServiceRules,
        verbose_name=_("service rules"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL
    )
    client_kind = models.CharField(
        _("kind of client"), max_length=16, choices=ClientKind.choices, blank=True, null=True
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (service minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(LONGEST_TARGET_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (service minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(LONGEST_TARGET_MINUTES)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        ordering = ["channel", "severity", "client_kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rules", "channel", "severity", "client_kind"],
                name="servicetarget_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="servicetarget_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.severity}/{self.client_kind or '*'}"

    def clean(self) -> None:
        super().clean()
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.resolution_minutes < self.first_response_minutes
        ):
            raise ValidationError(
                {"resolution_minutes": _("Resolution cannot come before the first response.")}
            )


class ServiceRulesAcknowledgement(DocumentAcknowledgement):
    """Who has been asked to read a published version of the service rules, and who has."""

    document = models.ForeignKey(
        ServiceRules,
        verbose_name=_("service rules"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )

    class Meta:
        verbose_name = _("service rules acknowledgement")
        verbose_name_plural = _("service rules acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "user"], name="servicerules_acknowledgement_once"
            )
        ]
