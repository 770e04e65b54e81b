"""Admin plumbing every app shares: records that only services write."""


class ReadOnlyAdminMixin:
    """Records written by the services only (histories, logs): viewable, never edited by hand.

    For a ``ModelAdmin`` or an inline alike.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
