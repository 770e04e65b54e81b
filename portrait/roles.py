"""The role table of DESIGN.md as Django groups and their permissions.

A user may hold several roles. Data migrations call ``roles_sync`` so that a
fresh database and an upgraded one end with the same groups.
"""

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

_READ_PORTRAIT = [
    "portrait.view_portrait",
    "portrait.view_segment",
    "portrait.view_exclusion",
    "portrait.acknowledge_portrait",
]
_WRITE_PORTRAIT = [
    "portrait.add_portrait",
    "portrait.change_portrait",
    "portrait.delete_portrait",
    "portrait.publish_portrait",
    "portrait.add_segment",
    "portrait.change_segment",
    "portrait.delete_segment",
    "portrait.add_exclusion",
    "portrait.change_exclusion",
    "portrait.delete_exclusion",
    "portrait.view_portraitacknowledgement",
]

# Evaluations, decisions, plans and alerts (qualification.models.{evaluations,decisions,plans}).
_FUNNEL_GUARDS = [
    "qualification.view_evaluationrun",
    "qualification.change_evaluationrun",
    "qualification.view_decision",
    "qualification.view_rejectionreason",
    "qualification.add_rejectionreason",
    "qualification.change_rejectionreason",
    "qualification.view_salesplan",
    "qualification.add_salesplan",
    "qualification.change_salesplan",
    "qualification.delete_salesplan",
    "qualification.view_alert",
    "qualification.change_alert",
]

_FUNNEL_MANAGEMENT = [
    "qualification.view_all_leads",
    "qualification.reassign_lead",
    "qualification.merge_lead",
    "qualification.view_funnel_figures",
    *_FUNNEL_GUARDS,
]

# "app_label.codename" per role; a permission missing from the database is an error.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMINS: [
        *_READ_PORTRAIT,
        *_WRITE_PORTRAIT,
        "qualification.view_lead",
        "qualification.import_lead",
        "qualification.change_lead",
        *_FUNNEL_MANAGEMENT,
    ],
    SALES: [
        *_READ_PORTRAIT,
        "qualification.view_lead",
        "qualification.qualify_lead",
        "qualification.merge_lead",
        "qualification.view_decision",
        "qualification.view_rejectionreason",
        "qualification.view_salesplan",
    ],
    SALES_MANAGERS: [
        *_READ_PORTRAIT,
        "qualification.view_lead",
        "qualification.qualify_lead",
        "qualification.change_lead",
        *_FUNNEL_MANAGEMENT,
    ],
    TECHNICAL: [
        *_READ_PORTRAIT,
        "qualification.view_lead",
        "qualification.view_all_leads",
        "qualification.view_evaluationrun",
        "qualification.view_decision",
        "qualification.view_rejectionreason",
    ],
    INTEGRATIONS: [
        "portrait.view_portrait",
        "portrait.view_segment",
        "portrait.view_exclusion",
        "qualification.view_lead",
        "qualification.sync_lead",
        "qualification.view_decision",
    ],
}


def roles_sync(apps, app_label: str) -> None:
    """Create ``app_label``'s permissions, then the role groups with them (idempotent).

    Each app's data migration calls this for its own label, once its models exist:
    Django creates permissions only after the whole migrate, too late for the groups.
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
    _roles_grant(apps, app_label)


def _roles_grant(apps, app_label: str) -> None:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        codenames = [name.split(".", 1)[1] for name in names if name.startswith(f"{app_label}.")]
        permissions = list(
            permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise LookupError(f"Unknown permissions for {role}: {sorted(missing)}")
        group.permissions.add(*permissions)


_ROLE_APP_LABELS = {name.split(".", 1)[0] for names in ROLE_PERMISSIONS.values() for name in names}


def roles_sync_after_migrate(sender, apps=None, **kwargs) -> None:
    """Restore the role groups after ``migrate`` or ``flush`` (which empties them).

    Django's own post_migrate receiver (auth comes first) has created the
    sender's permissions by now; only the grants are left to do.
    """
    from django.apps import apps as global_apps

    if sender.label in _ROLE_APP_LABELS:
        _roles_grant(apps or global_apps, sender.label)
