"""Bounds on the moments people and integrations give, wherever they are taken."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crm.rules.hours import HORIZON

#: How far ahead of this server's clock a sender's clock may run.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def validate_received_at(value: datetime.datetime) -> None:
    """A message was received before now, and recently enough to count in service hours.

    Its waiting is counted in open minutes up to now: a moment decades back would take
    the request seconds to count and skew every median, and one ahead would be answered
    "in no time".
    """
    now = timezone.now()
    if value > now + CLOCK_SKEW:
        raise ValidationError(_("A message cannot be received in the future."), code="future")
    if value < now - HORIZON:
        raise ValidationError(
            _("A message received more than %(days)d days ago cannot be recorded.")
            % {"days": HORIZON.days},
            code="too_old",
        )


def validate_ahead(value: datetime.date | datetime.datetime) -> None:
    """A new date or a deadline lies ahead: a promise that has already passed is none.

    Text is read as the model fields read it; text that is no moment is left to them.
    """
    if isinstance(value, str):
        try:
            value = parse_datetime(value) or parse_date(value)
        except ValueError:
            value = None
        if value is None:
            return
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            value = timezone.make_aware(value)
    if isinstance(value, datetime.datetime):
        passed = value <= timezone.now()
    else:
        passed = value < timezone.localdate()
    if passed:
        raise ValidationError(_("This must lie ahead, not in the past."), code="past")


def validate_signed_on(value: datetime.date) -> None:
    """A contract is signed on a day that has come, within living memory."""
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            _("A contract cannot be signed on a day still to come."), code="future"
        )
    if value.year < today.year - 100:
        raise ValidationError(_("A contract signed a century ago is no client's."), code="too_old")
