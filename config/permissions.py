"""One way to say who may do what through the API: a table of permissions per action.

Every viewset derives from ``ActionViewSet`` and declares ``action_permissions``: for each
action, the Django permissions it needs (``requires``), or several such sets of which
one is enough (``any_of``). An action missing from the table is refused, so a new
operation cannot go out unguarded; the permission test walks every routed operation.
Which objects a user reaches is the queryset's business (``for_user`` selectors).

The base also gives every operation what the API promises all of them: a ``POST`` sent
again with its ``Idempotency-Key`` is answered from the first time
(``config.idempotency``), and every call is throttled, before any refusal
(``config.throttling``).
"""

from rest_framework import viewsets
from rest_framework.permissions import BasePermission

from config.idempotency import IdempotentPostMixin
from config.throttling import ThrottleBeforeRefusalMixin

#: One or more permission sets; a user holding every permission of one set may act.
Requirement = tuple[tuple[str, ...], ...]


def requires(*permissions: str) -> Requirement:
    """Every one of ``permissions``."""
    return (tuple(permissions),)


def any_of(*requirements: Requirement) -> Requirement:
    """Whichever of ``requirements`` the user meets."""
    return tuple(alternative for requirement in requirements for alternative in requirement)


def user_meets(user, requirement: Requirement) -> bool:
    """Whether ``user`` (active and signed in) holds every permission of one alternative."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return any(user.has_perms(alternative) for alternative in requirement)


# OPTIONS (DRF's ``metadata``) describes the resource to whoever may read it.
_READS = ("list", "retrieve")


def action_requirement(view, action: str | None) -> Requirement | None:
    """The requirement of ``action`` on ``view``; ``None`` when the table has no row."""
    table = view.action_permissions
    if action == "metadata":
        return next((table[read] for read in _READS if read in table), None)
    return table.get(action)


class ActionPermission(BasePermission):
    """Reads the view's ``action_permissions`` for the action being performed."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if view.action is None:
            # No action for this method: let the view answer 405.
            return True
        requirement = action_requirement(view, view.action)
        return requirement is not None and user_meets(request.user, requirement)


class ActionViewSet(IdempotentPostMixin, ThrottleBeforeRefusalMixin, viewsets.GenericViewSet):
    """The base of every API viewset: permissions per action, queryset per user.

    Subclasses declare ``action_permissions`` and, where visibility depends on the
    user, ``visible_queryset()``; the schema generator gets an empty queryset.
    """

    permission_classes = [ActionPermission]
    action_permissions: dict[str, Requirement] = {}
    # An action of the bulk endpoints declares ``throttle_scope="bulk"`` (config.throttling).
    throttle_scope: str | None = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.fake_queryset()
        return self.visible_queryset()

    def visible_queryset(self):
        return super().get_queryset()

    def fake_queryset(self):
        model = self.get_serializer_class().Meta.model
        return model.objects.none()
