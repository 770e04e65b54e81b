from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStage(models.TextChoices):
    NEW = "new", _("New")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONTRACTED = "contracted", _("Contracted")
    LOST = "lost", _("Lost")


class SuggestedVerdict(models.TextChoices):
    INTERESTING = "interesting", _("Interesting")
    NOT_INTERESTING = "not_interesting", _("Not interesting")
    NEEDS_REVIEW = "needs_review", _("Needs review")


class DecisionVerdict(models.TextChoices):
    INTERESTING = "interesting", _("Interesting")
    NOT_INTERESTING = "not_interesting", _("Not interesting")


class DuplicateReason(models.TextChoices):
    WEBSITE = "website", _("Same website domain")
    EMAIL = "email", _("Same e-mail domain")
    NAME = "name", _("Same company name in the same country")


class LeadChange(models.TextChoices):
    """What moved a lead's stage or owner: each is a service, and only these change them."""

    DECIDED = "decided", _("Decided")
    REASSIGNED = "reassigned", _("Reassigned")
    MERGED = "merged", _("Merged")
    CONTRACTED = "contracted", _("Contract signed")
    LOST = "lost", _("Marked lost")
