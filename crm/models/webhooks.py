"""Webhooks: where bad news is pushed, each event's delivery to each endpoint, every attempt."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.choices import WebhookDeliveryState, WebhookEventType
from crm.models.feedback import Escalation
from crm.webhooks.signing import webhook_secret_new


def default_event_types() -> list[str]:
    return [WebhookEventType.ESCALATION_RAISED]


def validate_event_types(value) -> None:
    """A non-empty list of the event types we send."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(item, str) and item in WebhookEventType.values for item in value)
    ):
        raise ValidationError(
            _("Choose one or more of: %(types)s.") % {"types": ", ".join(WebhookEventType.values)}
        )


def validate_port(value: str) -> None:
    """A port the URL names exists (1-65535): one past it would fail every attempt for a day."""
    try:
        _port = urlsplit(value).port  # reading it checks its range
    except ValueError:
        raise ValidationError(_("This URL's port does not exist."), code="port") from None


class WebhookEndpoint(models.Model):
    """A system that wants our bad news (a chat, a ticket desk, an ERP): a URL and a secret.

    Only admins see and manage endpoints; the secret signs every message, so the
    receiver knows it comes from us and is not a replay.
    """

    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"]), validate_port],
        help_text=_("http or https only; redirects are not followed."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(
        _("signing secret"), max_length=100, default=webhook_secret_new, editable=False
    )
    event_types = models.JSONField(
        _("event types"), default=default_event_types, validators=[validate_event_types]
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Switched off, it receives no new events and its pending ones stop."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # The secret stays out of the history: a copy of it there would be one more to leak.
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["url", "id"]

    def __str__(self) -> str:
        return self.description or self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried until it is delivered or a day has passed.

    The row is the source of truth, not a broker message: a due row is sent by whichever
    worker claims it first (``next_attempt_at`` moved forward in one conditional UPDATE),
    so a lost message or a killed worker delays a delivery but never loses it, and two
    workers never send it at once. ``webhook_id`` and ``body`` are fixed when the event
    happens: every attempt and every endpoint get the same message, so receivers can
    deduplicate by its id.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    escalation = models.ForeignKey(
        Escalation,
        verbose_name=_("escalation"),
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
    )
    event_type = models.CharField(_("event type"), max_length=64, choices=WebhookEventType.choices)
    webhook_id = models.CharField(_("webhook id"), max_length=64, db_index=True)
    body = models.TextField(_("body (JSON)"))
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=WebhookDeliveryState.choices,
        default=WebhookDeliveryState.PENDING,
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    attempt_count = models.PositiveIntegerField(_("attempts"), default=0)
    first_attempted_at = models.DateTimeField(_("first attempt at"), null=True, blank=True)
    last_attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "endpoint"], name="webhook_delivery_once_per_endpoint"
            ),
            models.CheckConstraint(
                condition=~models.Q(state=WebhookDeliveryState.PENDING)
                | models.Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            # The due-sender's one query: pending rows by due time, a small part of the table.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state=WebhookDeliveryState.PENDING),
                name="webhook_delivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One try to send a delivery: when, how long, what the receiver answered or what failed."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    number = models.PositiveIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("attempted at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response = models.TextField(_("response (start)"), blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"

    @property
    def is_success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
