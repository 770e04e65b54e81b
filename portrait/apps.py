from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortraitConfig(AppConfig):
    name = "portrait"
    verbose_name = _("Portrait of our client")
    role_grants = "portrait.roles.GRANTS"

    def ready(self) -> None:
        from portrait.criteria.database import register_sqlite_functions
        from portrait.roles import roles_sync_after_migrate

        # The compiled criteria call py_lower on SQLite for Unicode-aware icontains.
        connection_created.connect(
            register_sqlite_functions, dispatch_uid="portrait_criteria_sqlite_functions"
        )
        # Groups are data: a flush (as transactional tests do) would leave them empty.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="portrait_roles_sync")
