"""The funnel's guards: alerts for plans the pool does not cover and high override rates."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.background import enqueue_again_on_commit, enqueue_on_commit
from portrait import roles
from qualification.funnel.figures import (
    conversion_rate,
    override_rate_threshold,
    salespeople_figures,
)
from qualification.funnel.plan_coverage import plans_coverage
from qualification.models import Alert, AlertKind, SalesPlan

# Sent by name once an alert is recorded: the task calls ``alert_send``.
ALERT_SEND_TASK = "qualification.tasks.alert_send_task"


def _open_alert(*, kind: str, message: str, plan=None, salesperson=None) -> Alert | None:
    """Record an alert unless the same condition already has an open one."""
    lookup = {"plan": plan} if plan is not None else {"salesperson": salesperson}
    if Alert.objects.filter(kind=kind, resolved_at__isnull=True, **lookup).exists():
        return None
    alert = Alert(kind=kind, message=message, plan=plan, salesperson=salesperson)
    alert.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        # Another checker recorded the same open condition first.
        return None
    return alert


def alerts_check_on_change() -> None:
    """The funnel's figures are changing in this transaction: check the alerts once it commits.

    Only where ``ALERTS_CHECK_ON_CHANGE`` is on (by default where no broker is configured: the
    embedded default runs no beat, so its periodic check never comes). Once per transaction,
    however many leads or plans it changes; nothing if it rolls back.
    """
    if not settings.PORTRAIT_CRM["ALERTS_CHECK_ON_CHANGE"]:
        return
    connection = transaction.get_connection()
    if any(entry[1] is _alerts_check_at_commit for entry in connection.run_on_commit):
        return
    transaction.on_commit(_alerts_check_at_commit)


def _alerts_check_at_commit() -> None:
    alerts_check()


def alerts_check(*, today=None) -> list[Alert]:
    """Check the guards; record new alerts (once per open condition) and mail them.

    A plan in force whose signed and expected contracts, or revenue, fall short of its
    targets raises ``plan_not_covered``; a salesperson whose override rate exceeds
    ``OVERRIDE_RATE_ALERT_THRESHOLD`` raises ``override_rate``. Every other open
    alert resolves (its condition cleared, its plan ended, its salesperson left
    sales), so a relapse alerts again.
    """
    today = today or timezone.localdate()
    threshold = override_rate_threshold()
    created: list[Alert] = []
    rate = conversion_rate()
    with transaction.atomic():
        uncovered_plan_ids, over_threshold_user_ids = [], []
        plans = SalesPlan.objects.filter(period_start__lte=today, period_end__gte=today)
        for coverage in plans_coverage(
            list(plans.select_related("team", "salesperson")), rate=rate
        ):
            plan = coverage.plan
            if coverage.is_covered:
                continue
            uncovered_plan_ids.append(plan.pk)
            message = _plan_shortfall(coverage)
            alert = _open_alert(kind=AlertKind.PLAN_NOT_COVERED, message=message, plan=plan)
            if alert:
                created.append(alert)
        for figures in salespeople_figures():
            if not figures.over_threshold:
                continue
            over_threshold_user_ids.append(figures.id)
            message = _(
                "%(user)s rejected %(overrides)s of %(decisions)s leads the portrait "
                "suggested as interesting (%(rate)s%%, threshold %(threshold)s%%)."
            ) % {
                "user": figures.username,
                "overrides": figures.overrides,
                "decisions": figures.decisions_on_interesting,
                "rate": figures.override_percent,
                "threshold": round(threshold * 100),
            }
            alert = _open_alert(
                kind=AlertKind.OVERRIDE_RATE, message=message, salesperson=figures.user
            )
            if alert:
                created.append(alert)
        # Every other open alert's condition has cleared, including those of plans no
        # longer in force and of people no longer counted as salespeople.
        now = timezone.now()
        open_alerts = Alert.objects.filter(resolved_at__isnull=True)
        open_alerts.filter(kind=AlertKind.PLAN_NOT_COVERED).exclude(
            plan_id__in=uncovered_plan_ids
        ).update(resolved_at=now)
        open_alerts.filter(kind=AlertKind.OVERRIDE_RATE).exclude(
            salesperson_id__in=over_threshold_user_ids
        ).update(resolved_at=now)
        for alert in created:
            enqueue_on_commit(ALERT_SEND_TASK, alert.id)
    return created


def _plan_shortfall(coverage) -> str:
    """Why a plan is not covered, in the words its managers read."""
    plan, figures, actual = coverage.plan, coverage.figures, coverage.actual
    parts = [
        _(
            "The pool of %(plan)s yields %(expected)s expected contracts "
            "against a target of %(target)s."
        )
        % {"plan": plan, "expected": figures.expected_contracts, "target": plan.target_contracts}
    ]
    if actual.contracts:
        parts.append(
            ngettext(
                "%(signed)s contract is signed already.",
                "%(signed)s contracts are signed already.",
                actual.contracts,
            )
            % {"signed": actual.contracts}
        )
    if coverage.expected_revenue_total < (plan.target_revenue or 0):
        parts.append(
            _("Revenue signed (%(signed)s) plus expected (%(expected)s) falls short of %(target)s.")
            % {
                "signed": actual.value,
                "expected": figures.expected_revenue,
                "target": plan.target_revenue,
            }
        )
    return " ".join(parts)


def alert_recipients() -> list[str]:
    """The e-mail addresses of active sales managers."""
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.SALES_MANAGERS, is_active=True)
        .exclude(Q(email="") | Q(email__isnull=True))
    )
    return sorted(set(users.values_list("email", flat=True)))


def alert_send(*, alert: Alert) -> bool:
    """E-mail ``alert`` to the sales managers once; return whether it was sent now."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.sent_at is not None:
            return False
        recipients = alert_recipients()
        if not recipients:
            return False
        send_mail(
            subject=_("Portrait CRM alert: %(kind)s") % {"kind": alert.get_kind_display()},
            message=alert.message,
            from_email=None,
            recipient_list=recipients,
        )
        alert.sent_at = timezone.now()
        alert.save(update_fields=["sent_at"])
    return True


def alerts_unsent_sweep(*, stalled_before) -> int:
    """Ask again to mail each open alert recorded before ``stalled_before`` and never sent.

    Its message was lost (a broker restarted without its data) or its mail failed;
    ``alert_send`` sends it once, whoever asks. Nothing is asked while no manager has
    an address to send to. Returns how many were asked for.
    """
    if not alert_recipients():
        return 0
    unsent = Alert.objects.filter(
        sent_at__isnull=True, resolved_at__isnull=True, created_at__lt=stalled_before
    ).order_by("id")
    return sum(
        enqueue_again_on_commit(ALERT_SEND_TASK, alert_id, unless_since=stalled_before)
        for alert_id in unsent.values_list("id", flat=True)
    )


def alert_resolve(*, alert: Alert) -> Alert:
    """Mark an alert as handled by a manager."""
    with transaction.atomic():
        if alert.resolved_at is None:
            alert.resolved_at = timezone.now()
            alert.save(update_fields=["resolved_at"])
    return alert


def alerts_for_user(user) -> QuerySet[Alert]:
    """Every alert for managers and admins; a salesperson's alerts about themselves."""
    queryset = Alert.objects.select_related("plan", "salesperson")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser or user.has_perm("qualification.view_funnel_figures"):
        return queryset
    if not user.has_perm("qualification.qualify_lead"):
        return queryset.none()
    return queryset.filter(salesperson=user)
