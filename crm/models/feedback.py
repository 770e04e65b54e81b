"""What clients tell us, from every channel and every department, and the bad news that flew."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import Channel, EscalationReason, FeedbackKind, FeedbackStatus, Severity
from crm.models.clients import Client, Department
from crm.models.rules import ServiceRules
from crm.validators import validate_received_at

_USER = settings.AUTH_USER_MODEL


class Feedback(models.Model):
    """One thing a client told us: praise, a suggestion, a complaint, a delay, a question.

    Its deadlines come from the service rules in force when it was received (recorded
    in ``rules``) and never move; ``(source, external_id)`` makes a message an
    integration sends twice the same item.
    """

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="feedback"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=FeedbackKind.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL
    )
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"), validators=[validate_received_at])
    department = models.ForeignKey(
        Department,
        verbose_name=_("department that took it"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_taken",
    )
    taken_by = models.ForeignKey(
        _USER,
        verbose_name=_("taken by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=64, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    rules = models.ForeignKey(
        ServiceRules,
        verbose_name=_("service rules version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    acknowledged_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        _USER, verbose_name=_("first response by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        _USER, verbose_name=_("resolved by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # Waiting times in service minutes, measured when the response and the resolution came.
    response_minutes = models.PositiveIntegerField(
        _("first response after (service minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolved after (service minutes)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="feedback_unique_source_external_id",
                violation_error_message=_("This source has sent an item with this external id."),
            ),
            models.CheckConstraint(
                condition=models.Q(external_id="") | ~models.Q(source=""),
                name="feedback_external_id_needs_source",
                violation_error_message=_("An external id needs the source it comes from."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "response_due"], name="feedback_open_due_idx"),
            models.Index(fields=["client", "received_at"], name="feedback_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.client}"


class Escalation(models.Model):
    """Bad news that flew: once per item and reason, to the owner and their managers.

    The unique pair is what makes a resent message or a second checker escalate
    nothing twice.
    """

    feedback = models.ForeignKey(
        Feedback,
        verbose_name=_("feedback"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
    )
    delay = models.ForeignKey(
        "crm.Delay",
        verbose_name=_("delay"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="escalations"
    )
    reason = models.CharField(_("reason"), max_length=24, choices=EscalationReason.choices)
    created_at = models.DateTimeField(_("escalated at"), auto_now_add=True)
    mailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feedback", "reason"],
                condition=models.Q(feedback__isnull=False),
                name="escalation_once_per_feedback_reason",
            ),
            models.UniqueConstraint(
                fields=["delay"],
                condition=models.Q(delay__isnull=False),
                name="escalation_once_per_delay",
            ),
            models.CheckConstraint(
                condition=models.Q(feedback__isnull=False) | models.Q(delay__isnull=False),
                name="escalation_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.client}"


class Delay(models.Model):
    """A department tells the client at once that something will be late (article 001)."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="delays"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="delays",
    )
    reference = models.CharField(
        _("contract or order reference"),
        max_length=64,
        help_text=_("Postponements of the same reference are counted."),
    )
    what = models.TextField(_("what will be late"))
    new_date = models.DateField(_("new date"))
    postponement = models.PositiveIntegerField(_("postponement number"), default=1, editable=False)
    recorded_by = models.ForeignKey(
        _USER,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    client_told_at = models.DateTimeField(_("client told at"), null=True, blank=True)
    # How many of the client's contacts the notice reached: none when none has an e-mail.
    contacts_told = models.PositiveIntegerField(_("contacts told"), default=0, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delay")
        verbose_name_plural = _("delays")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "reference", "postponement"], name="delay_postponement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} → {self.new_date}"
