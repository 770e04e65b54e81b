"""Template context every page's layout reads: the banner asking to acknowledge the portrait."""

from django.utils.functional import SimpleLazyObject

from portrait.selectors import portrait_unacknowledged_version


def acknowledgement(request) -> dict:
    """``portrait_to_acknowledge``: the version in force the user has still to acknowledge,
    read only when the layout asks (one query).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "portrait_to_acknowledge": SimpleLazyObject(lambda: portrait_unacknowledged_version(user))
    }
