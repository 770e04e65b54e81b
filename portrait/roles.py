"""The roles of DESIGN.md as Django groups, and how each app grants its permissions to them.

A user may hold several roles. The roles are named here, in the bottom layer; each app
declares the grants of its *own* permissions in a ``GRANTS`` table (role → codenames)
that its ``AppConfig.role_grants`` names, so a new app adds its grants without
editing another app. Data migrations call ``roles_sync`` so that a fresh database and
an upgraded one end with the same groups; ``post_migrate`` grants them again after a
``flush``.
"""

from django.apps import apps as global_apps
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

ADMINS = "admins"
SALES = "sales"
SALES_MANAGERS = "sales_managers"
TECHNICAL = "technical"
INTEGRATIONS = "integrations"

ROLE_LABELS = {
    ADMINS: _("Admins"),
    SALES: _("Sales"),
    SALES_MANAGERS: _("Sales managers"),
    TECHNICAL: _("Technical staff"),
    INTEGRATIONS: _("Integrations"),
}

_READ = ["view_portrait", "view_segment", "view_exclusion"]
_READ_AND_ACKNOWLEDGE = [*_READ, "acknowledge_portrait"]
_WRITE = [
    "add_portrait",
    "change_portrait",
    "delete_portrait",
    "publish_portrait",
    "add_segment",
    "change_segment",
    "delete_segment",
    "add_exclusion",
    "change_exclusion",
    "delete_exclusion",
    "view_portraitacknowledgement",
]

#: The portrait's own grants: everyone reads and acknowledges it, admins write it,
#: integrations read it without being asked to acknowledge.
GRANTS: dict[str, list[str]] = {
    ADMINS: [*_READ_AND_ACKNOWLEDGE, *_WRITE],
    SALES: _READ_AND_ACKNOWLEDGE,
    SALES_MANAGERS: _READ_AND_ACKNOWLEDGE,
    TECHNICAL: _READ_AND_ACKNOWLEDGE,
    INTEGRATIONS: _READ,
}


def app_grants(app_label: str) -> dict[str, list[str]]:
    """The grants ``app_label`` declares (``AppConfig.role_grants``); none if it declares none."""
    path = getattr(global_apps.get_app_config(app_label), "role_grants", None)
    return import_string(path) if path else {}


def roles_sync(apps, app_label: str) -> None:
    """Create ``app_label``'s permissions, then grant them to the role groups (idempotent).

    Each app's data migration calls this for its own label, once its models exist:
    Django creates permissions only after the whole migrate, too late for the groups.
    A grant of a model a later migration adds waits for that migration (or for
    ``post_migrate``, which checks that every grant names a real permission).
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # Migration state apps have no models module; create_permissions needs one.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, verbosity=0, apps=apps)
    finally:
        app_config.models_module = models_module
    _roles_grant(apps, app_label, every_permission_exists=False)


def _roles_grant(apps, app_label: str, *, every_permission_exists: bool) -> None:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in ROLE_LABELS:
        group_model.objects.get_or_create(name=role)
    for role, codenames in app_grants(app_label).items():
        group = group_model.objects.get(name=role)
        permissions = list(
            permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing and every_permission_exists:
            raise LookupError(f"Unknown permissions of {app_label} for {role}: {sorted(missing)}")
        group.permissions.add(*permissions)


def roles_sync_after_migrate(sender, apps=None, **kwargs) -> None:
    """Restore the role groups after ``migrate`` or ``flush`` (which empties them).

    Django's own post_migrate receiver (auth comes first) has created the
    sender's permissions by now; only the grants are left to do.
    """
    if app_grants(sender.label):
        _roles_grant(apps or global_apps, sender.label, every_permission_exists=True)
