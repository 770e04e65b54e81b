"""Listening: feedback recorded from every channel and department, answered against its
deadlines, and bad news escalated at once (article 002, point 3).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.background import enqueue_each_on_commit, enqueue_on_commit
from crm.choices import EscalationReason, FeedbackKind, FeedbackStatus
from crm.models import Escalation, Feedback
from crm.rules.hours import NeverOpen
from crm.rules.selectors import service_calendar, service_rules_in_force, service_target
from crm.validators import validate_received_at
from crm.webhooks.services import webhook_deliveries_create

ESCALATION_TASK = "crm.tasks.escalation_deliver_task"
WEBHOOK_TASK = "crm.tasks.webhook_delivery_send_task"
FEEDBACK_FIELDS = (
    "client",
    "channel",
    "kind",
    "rating",
    "severity",
    "text",
    "received_at",
    "department",
    "source",
    "external_id",
)
#: A rating at or below this is bad news.
LOW_RATING = 2


def feedback_record(*, user, data: Mapping[str, Any]) -> tuple[Feedback, bool]:
    """Record what a client told us; return it and whether it is new.

    Its deadlines are counted in service hours from the rules in force when it was
    received. A message an integration sends again (the same ``source`` and
    ``external_id``) is the item already recorded, and escalates nothing twice. Bad
    news (a complaint, a low rating, a delay notice) is escalated at once.
    """
    if not user.has_perm("crm.add_feedback"):
        raise PermissionDenied(_("You may not record feedback."))
    source, external_id = data.get("source") or "", data.get("external_id") or ""
    if external_id and not source:
        raise ValidationError({"source": [_("An external id needs the source it comes from.")]})
    _source_authorize(user=user, source=source)
    if external_id:
        existing = Feedback.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return _resent(existing, data), False
    feedback = Feedback(taken_by=user, **{key: data[key] for key in FEEDBACK_FIELDS if key in data})
    feedback.received_at = feedback.received_at or timezone.now()
    feedback.source, feedback.external_id = source, external_id
    try:
        validate_received_at(feedback.received_at)
        _deadlines_set(feedback)
    except ValidationError as error:
        raise ValidationError({"received_at": error.messages}) from None
    except NeverOpen:
        raise ValidationError(
            {"received_at": [_("The service rules in force never open to count its deadlines.")]}
        ) from None
    try:
        with transaction.atomic():
            feedback.full_clean(validate_constraints=False)
            feedback.save()
            for reason in _bad_news(feedback):
                escalation_raise(feedback=feedback, reason=reason)
    except IntegrityError:
        # The same message arrived twice at once: the other request recorded it.
        existing = Feedback.objects.filter(source=source, external_id=external_id).first()
        if existing is None:
            raise
        return _resent(existing, data), False
    return feedback, True


def _resent(existing: Feedback, data: Mapping[str, Any]) -> Feedback:
    """The item a message sent again names, if it is the same client's.

    An external id another client's item holds is refused: answering with that item
    would show someone else's feedback and tell the sender theirs was recorded.
    """
    client = data.get("client")
    if getattr(client, "pk", client) != existing.client_id:
        raise ValidationError(
            {"external_id": [_("This external id names an item of another client.")]}
        )
    return existing


def _source_authorize(*, user, source: str) -> None:
    """An integration account pushes the feedback of the sources granted to it only."""
    if user.has_perm("crm.view_feedback"):
        return  # an employee: every department records what clients tell it
    if not source or not user.lead_sources.filter(name=source).exists():
        raise PermissionDenied(
            _('You may not push feedback to source "%(source)s".') % {"source": source}
        )


def _deadlines_set(feedback: Feedback) -> None:
    """Stamp the rules in force at its arrival and the deadlines they give; they never move."""
    rules = service_rules_in_force(at=feedback.received_at)
    if rules is None:
        return
    feedback.rules = rules
    target = service_target(
        rules,
        channel=feedback.channel,
        severity=feedback.severity,
        client_kind=feedback.client.kind,
    )
    if target is None:
        return
    calendar = service_calendar(rules)
    feedback.response_due = calendar.deadline(feedback.received_at, target.first_response_minutes)
    feedback.resolution_due = calendar.deadline(feedback.received_at, target.resolution_minutes)


def _bad_news(feedback: Feedback) -> list[str]:
    reasons = []
    if feedback.kind == FeedbackKind.COMPLAINT:
        reasons.append(EscalationReason.COMPLAINT)
    if feedback.kind == FeedbackKind.DELAY_NOTICE:
        reasons.append(EscalationReason.DELAY)
    if feedback.rating is not None and feedback.rating <= LOW_RATING:
        reasons.append(EscalationReason.LOW_RATING)
    return reasons


def escalation_raise(
    *, reason: str, feedback: Feedback | None = None, delay=None
) -> Escalation | None:
    """Escalate an item for ``reason`` once: its e-mail and its webhooks go out after commit.

    The webhook deliveries are written with the escalation, so they commit together.
    ``None`` when it was escalated for this reason already.
    """
    client = feedback.client if feedback is not None else delay.client
    with transaction.atomic():
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    feedback=feedback, delay=delay, client=client, reason=reason
                )
        except IntegrityError:
            return None
        deliveries = webhook_deliveries_create(escalation=escalation)
    enqueue_on_commit(ESCALATION_TASK, escalation.pk)
    if deliveries:
        enqueue_each_on_commit(WEBHOOK_TASK, [(delivery.pk,) for delivery in deliveries])
    return escalation


def feedback_acknowledge(*, feedback: Feedback, user, at=None) -> Feedback:
    """The first response: the item is acknowledged, its waiting time measured once.

    ``at`` is when the answer was given, if earlier than now (an answer on the phone,
    recorded after the call).
    """
    return _feedback_move(feedback=feedback, user=user, to=FeedbackStatus.ACKNOWLEDGED, at=at)


def feedback_resolve(*, feedback: Feedback, user, at=None) -> Feedback:
    """The item is resolved (acknowledged too, if nobody had answered it yet)."""
    return _feedback_move(feedback=feedback, user=user, to=FeedbackStatus.RESOLVED, at=at)


def _feedback_move(*, feedback: Feedback, user, to: str, at=None) -> Feedback:
    if not user.has_perm("crm.change_feedback"):
        raise PermissionDenied(_("You may not answer feedback."))
    with transaction.atomic():
        locked = (
            Feedback.objects.select_for_update(of=("self",))
            .select_related("rules")
            .get(pk=feedback.pk)
        )
        if locked.status == FeedbackStatus.RESOLVED:
            raise ValidationError({"status": [_("This feedback is resolved already.")]})
        now = timezone.now()
        if at is not None:
            _answered_at_check(locked, at=at, now=now)
            now = at
        calendar = service_calendar(locked.rules) if locked.rules_id else None

        def waited() -> int | None:
            if calendar is None:
                return None
            return round(calendar.open_minutes(locked.received_at, now))

        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, user
            locked.response_minutes = waited()
        if to == FeedbackStatus.RESOLVED:
            locked.resolved_at, locked.resolved_by = now, user
            locked.resolution_minutes = waited()
        locked.status = to
        locked.save()
    return locked


def _answered_at_check(feedback: Feedback, *, at, now) -> None:
    """An answer given earlier comes after the item arrived (and its first answer), never later
    than now."""
    earliest = feedback.acknowledged_at or feedback.received_at
    if not earliest <= at <= now:
        raise ValidationError(
            {"at": [_("An answer is given after the feedback arrived, and not in the future.")]}
        )


def feedback_overdue_escalate(*, now=None) -> int:
    """Escalate, once each, the items that passed a deadline unanswered; return how many."""
    now = now or timezone.now()
    raised = 0
    late_response = Feedback.objects.filter(
        status=FeedbackStatus.OPEN, response_due__lt=now
    ).exclude(escalations__reason=EscalationReason.RESPONSE_OVERDUE)
    late_resolution = (
        Feedback.objects.exclude(status=FeedbackStatus.RESOLVED)
        .filter(resolution_due__lt=now)
        .exclude(escalations__reason=EscalationReason.RESOLUTION_OVERDUE)
    )
    for queryset, reason in (
        (late_response, EscalationReason.RESPONSE_OVERDUE),
        (late_resolution, EscalationReason.RESOLUTION_OVERDUE),
    ):
        for feedback in queryset.select_related("client").iterator():
            if escalation_raise(feedback=feedback, reason=reason) is not None:
                raised += 1
    return raised
