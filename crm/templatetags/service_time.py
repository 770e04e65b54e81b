"""Service time in words: ``{{ minutes|service_time }}`` → "2 h 15 min"."""

from django import template
from django.utils.translation import gettext as _

from crm.feedback.countdown import hours_and_minutes

register = template.Library()


@register.filter
def service_time(minutes) -> str:
    """Minutes of service time as hours and minutes; "less than 1 min" under a minute."""
    if minutes is None or minutes == "":
        return "—"
    if int(minutes) < 1:
        return _("less than 1 min")
    hours, rest = hours_and_minutes(minutes)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
