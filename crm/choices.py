from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientKind(models.TextChoices):
    """Whom we serve (articles 000 and 003): not only those who pay."""

    EXTERNAL = "external", _("External (pays us)")
    INTERNAL = "internal", _("Internal (a department of ours)")
    PARTNER = "partner", _("Partner")
    SUPPLIER = "supplier", _("Supplier")
    INFLUENCER = "influencer", _("Influencer")


class Channel(models.TextChoices):
    """How a client reaches us and prefers to be reached (article 004)."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MESSENGER = "messenger", _("Messenger")
    SOCIAL = "social", _("Social network")
    IN_PERSON = "in_person", _("In person")
    WEB_ORDER = "web_order", _("Web order")


class NegotiationParty(models.TextChoices):
    OURS = "ours", _("Our side")
    CLIENT = "client", _("The client")


class NegotiationEntryKind(models.TextChoices):
    POSITION = "position", _("Position")
    PROPOSAL = "proposal", _("Proposal")


class NegotiationOutcome(models.TextChoices):
    AGREED = "agreed", _("Agreed")
    ESCALATED = "escalated", _("Escalated to a manager")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class FeedbackKind(models.TextChoices):
    PRAISE = "praise", _("Praise")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    DELAY_NOTICE = "delay_notice", _("Delay notice")
    QUESTION = "question", _("Question")


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class EscalationReason(models.TextChoices):
    """Why bad news flew to the owner and the managers (article 002, point 3)."""

    COMPLAINT = "complaint", _("A complaint")
    LOW_RATING = "low_rating", _("A rating of 2 or less")
    DELAY = "delay", _("A delay")
    RESPONSE_OVERDUE = "response_overdue", _("No first response by its deadline")
    RESOLUTION_OVERDUE = "resolution_overdue", _("Not resolved by its deadline")


class WebhookEventType(models.TextChoices):
    """What a webhook endpoint may subscribe to (Standard Webhooks' ``type``)."""

    ESCALATION_RAISED = "escalation.raised", _("Bad news escalated")


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending (being tried)")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (given up)")
    CANCELLED = "cancelled", _("Cancelled (endpoint switched off)")
