"""Who may do what with the portrait, for the API and the admin.

Role-level checks are Django permissions granted to the role groups
(``portrait.roles``); object-level visibility is ``selectors.portrait_list_for_user``.
"""

from rest_framework.permissions import BasePermission

READ = "portrait.view_portrait"
WRITE = "portrait.change_portrait"
CREATE = "portrait.add_portrait"
PUBLISH = "portrait.publish_portrait"
ACKNOWLEDGE = "portrait.acknowledge_portrait"
VIEW_ACKNOWLEDGEMENTS = "portrait.view_portraitacknowledgement"

ACTION_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "metadata": (READ,),
    "list": (READ,),
    "retrieve": (READ,),
    "create": (READ, CREATE, WRITE),
    "partial_update": (READ, WRITE),
    "publish": (READ, PUBLISH),
    "copy": (READ, CREATE, WRITE),
    "acknowledge": (READ, ACKNOWLEDGE),
    "acknowledgements": (READ, VIEW_ACKNOWLEDGEMENTS),
}


def user_can_publish(user) -> bool:
    return user.has_perm(PUBLISH)


class PortraitActionPermission(BasePermission):
    """Each viewset action needs the Django permissions listed in ``ACTION_PERMISSIONS``."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if view.action is None:
            # No such action for this method: let the view answer 405.
            return True
        required = ACTION_PERMISSIONS.get(view.action)
        if required is None:
            return False
        return user.has_perms(required)
