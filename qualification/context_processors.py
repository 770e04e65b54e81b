"""Template context every page's layout reads."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from qualification.permissions import user_can_see_figures


def navigation(request) -> dict:
    """Whether the layout links the dashboard (the same rule the dashboard enforces), and the
    company's currency, which the pages' sums are in.
    """
    return {
        "can_see_figures": SimpleLazyObject(lambda: user_can_see_figures(request.user)),
        "company_currency": settings.PORTRAIT_CRM["CURRENCY"],
    }
