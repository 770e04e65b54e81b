"""Role-level API permissions for leads; which leads is ``Lead.objects.for_user``'s job."""

from rest_framework import permissions

QUALIFY = "qualification.qualify_lead"
VIEW_FIGURES = "qualification.view_funnel_figures"
#: Who sees funnel figures: managers and admins everyone's, salespeople their own.
FIGURES_READERS = [(VIEW_FIGURES,), (QUALIFY,)]


def user_can_see_figures(user) -> bool:
    return any(all(user.has_perm(name) for name in names) for names in FIGURES_READERS)


class CanReadLeads(permissions.BasePermission):
    """Every role in the table reads some leads; anyone else is refused."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("qualification.view_lead"))


class CanPushLeads(permissions.BasePermission):
    """Integration accounts (their sources) and importers (any source) push leads."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (
                user.has_perm("qualification.sync_lead")
                or user.has_perm("qualification.import_lead")
            )
        )


class CanMergeLeads(permissions.BasePermission):
    """Merging needs ``merge_lead``; both leads must also be visible to the user."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("qualification.merge_lead"))
