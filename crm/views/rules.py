"""The service rules in force as a page for every employee, with its acknowledge button.

As the portrait's page: the version and the user's acknowledgement from the selectors,
the acknowledgement written by its service; the calendar read by ``crm.rules.reading``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.rules import reading
from crm.rules.selectors import rules_page, service_calendar, service_rules_in_force
from crm.rules.services import service_rules_acknowledge
from portrait.versioning.selectors import document_acknowledgement_for_user

READ, ACKNOWLEDGE = "crm.view_servicerules", "crm.acknowledge_servicerules"


@login_required
@permission_required(READ, raise_exception=True)
def page(request):
    """The rules in force: the standards, the service calendar, the targets per channel."""
    rules = rules_page()
    context = {"rules": rules, "can_acknowledge": request.user.has_perm(ACKNOWLEDGE)}
    if rules is not None:
        now, calendar = timezone.now(), service_calendar(rules)
        acknowledgement = document_acknowledgement_for_user(rules, request.user)
        context |= {
            "acknowledgement": acknowledgement,
            "is_acknowledged": bool(acknowledgement and acknowledgement.acknowledged_at),
            "week": reading.week(rules.hours),
            "closed_ahead": reading.closed_days_ahead(
                country=rules.holiday_country,
                closed_days=rules.closed_days,
                today=timezone.localdate(now, calendar.time_zone),
                language=translation.get_language(),
            ),
            "open_now": reading.open_now(calendar, now),
            "country": reading.country_name(rules.holiday_country),
        }
    return render(request, "crm/service_rules.html", context)


@login_required
@require_POST
@permission_required(ACKNOWLEDGE, raise_exception=True)
def acknowledge(request):
    """'I have read them': acknowledge the rules in force through the service."""
    rules = service_rules_in_force()
    if rules is None:
        messages.error(request, _("No service rules are in force yet."))
    else:
        service_rules_acknowledge(rules=rules, user=request.user)
        messages.success(
            request,
            _("Thank you: you acknowledged version %(version)s of the service rules.")
            % {"version": rules.version},
        )
    return redirect("crm:service-rules")
