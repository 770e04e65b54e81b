from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.background import enqueue_on_commit

EVALUATION_RUN_START_TASK = "qualification.tasks.evaluation_run_start_task"


def _reevaluate_on_publish(portrait) -> None:
    """A new portrait version re-evaluates every lead, in the background."""
    enqueue_on_commit(EVALUATION_RUN_START_TASK, portrait.pk)


def _seed_rejection_reasons(sender, **kwargs) -> None:
    """Restore the seeded reason codes after ``flush`` (the data migration seeds them first)."""
    from django.db import connections

    from qualification.models import RejectionReason
    from qualification.services.decisions import rejection_reasons_seed

    connection = connections[kwargs.get("using") or "default"]
    # A partial migrate (to an older state) may run before the table exists.
    if RejectionReason._meta.db_table in connection.introspection.table_names():
        rejection_reasons_seed()


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")
    role_grants = "qualification.roles.GRANTS"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        import qualification.tasks  # noqa: F401 - task names resolve in a web process too
        from portrait.models import Portrait
        from portrait.versioning.publishing import on_publish

        on_publish(Portrait, _reevaluate_on_publish)
        post_migrate.connect(
            _seed_rejection_reasons, sender=self, dispatch_uid="qualification.rejection_reasons"
        )
