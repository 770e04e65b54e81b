from django.apps import AppConfig
from django.db import transaction
from django.utils.translation import gettext_lazy as _


def _reevaluate_on_publish(sender, portrait, **kwargs) -> None:
    """A new portrait version re-evaluates every lead, in the background."""
    from qualification.tasks import evaluation_run_start_task

    portrait_id = portrait.pk
    transaction.on_commit(lambda: evaluation_run_start_task.delay(portrait_id))


def _seed_rejection_reasons(sender, **kwargs) -> None:
    """Restore the seeded reason codes after ``flush`` (the data migration seeds them first)."""
    from django.db import connections

    from qualification.decisions.services import rejection_reasons_seed
    from qualification.models import RejectionReason

    connection = connections[kwargs.get("using") or "default"]
    # A partial migrate (to an older state) may run before the table exists.
    if RejectionReason._meta.db_table in connection.introspection.table_names():
        rejection_reasons_seed()


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portrait.signals import portrait_published

        portrait_published.connect(
            _reevaluate_on_publish, dispatch_uid="qualification.reevaluate_on_publish"
        )
        post_migrate.connect(
            _seed_rejection_reasons, sender=self, dispatch_uid="qualification.rejection_reasons"
        )
        # The services send tasks by name: registered here, the names resolve in a web
        # process too, not only in a worker (which finds them by autodiscovery).
        from qualification import tasks  # noqa: F401
