"""Changes to employees' preferences."""

from django.conf import settings

from crm.models import EmployeeProfile


def employee_language_set(*, user, language: str) -> EmployeeProfile | None:
    """Keep ``language`` as the one ``user`` reads their e-mails in; None if not offered."""
    if language not in dict(settings.LANGUAGES):
        return None
    profile, _created = EmployeeProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile
