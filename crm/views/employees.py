"""An employee's own preferences, chosen on any page."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from crm.employees.services import employee_language_set


@require_POST
def language_choose(request):
    """Switch the pages' language, as Django's ``set_language`` does, and keep it.

    The language chosen for the pages is the one a signed-in employee reads, so their
    escalations, alerts and digests are written in it too.
    """
    response = set_language(request)
    if request.user.is_authenticated:
        employee_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
