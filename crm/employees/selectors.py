"""Reads of employees' preferences."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist


def employee_language(user) -> str:
    """The language ``user`` reads their e-mails in: their profile's, else the site's default.

    Load users with ``select_related("employee_profile")`` to read it without a query.
    """
    try:
        return user.employee_profile.language
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE
