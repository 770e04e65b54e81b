"""What the service reports keep: the digests that told owners whom nobody had contacted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactDigest(models.Model):
    """An e-mail that listed to an account owner their clients nobody had been in touch with.

    One per owner and period: the unique pair is what makes a beat task that runs every
    hour, or twice at once, send each owner one digest a period.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    period_start = models.DateField(_("period starting"))
    clients = models.PositiveIntegerField(_("clients listed"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("no-contact digest")
        verbose_name_plural = _("no-contact digests")
        ordering = ["-period_start", "owner_id"]
        permissions = [("view_service_reports", _("Can see the service reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "period_start"], name="contactdigest_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} · {self.period_start}"
