"""Sales plans and the alerts raised by the funnel's guards."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SalesPlan(models.Model):
    """Targets for a period: for a team (a group), a salesperson, or everyone (neither)."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    team = models.ForeignKey(
        "auth.Group",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sales_plans",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sales_plans",
    )
    target_contracts = models.PositiveIntegerField(_("target contracts"))
    target_revenue = models.DecimalField(
        _("target revenue"),
        max_digits=16,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        ordering = ["-period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="sales_plan_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(team__isnull=True) | models.Q(salesperson__isnull=True),
                name="sales_plan_team_or_salesperson",
            ),
        ]

    def __str__(self) -> str:
        subject = self.salesperson or self.team or _("everyone")
        return f"{self.name or _('Plan')} {self.period_start}–{self.period_end} ({subject})"

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        if self.team_id and self.salesperson_id:
            errors["salesperson"] = _("A plan is for a team or for a salesperson, not both.")
        if errors:
            raise ValidationError(errors)


class AlertKind(models.TextChoices):
    PLAN_NOT_COVERED = "plan_not_covered", _("The pool cannot cover the plan")
    OVERRIDE_RATE = "override_rate", _("Override rate above the threshold")


class Alert(models.Model):
    """A guard that tripped: recorded once per open condition and mailed to sales managers."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    plan = models.ForeignKey(
        SalesPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="funnel_alerts",
    )
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "plan"],
                condition=models.Q(resolved_at__isnull=True, plan__isnull=False),
                name="alert_one_open_per_plan",
            ),
            models.UniqueConstraint(
                fields=["kind", "salesperson"],
                condition=models.Q(resolved_at__isnull=True, salesperson__isnull=False),
                name="alert_one_open_per_salesperson",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
