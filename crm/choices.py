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
