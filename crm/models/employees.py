"""What the company knows about each employee beyond their account: the language they read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_language() -> str:
    return settings.LANGUAGE_CODE


class EmployeeProfile(models.Model):
    """An employee's preferences: escalations and alerts are written to them in ``language``.

    An account without a profile reads the site's default language.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="employee_profile",
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("The language of the e-mails this employee receives."),
    )

    class Meta:
        verbose_name = _("employee profile")
        verbose_name_plural = _("employee profiles")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)
