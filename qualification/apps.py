from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
    role_grants = "qualification.roles.GRANTS"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        import qualification.tasks  # noqa: F401 - task names resolve in a web process too
        from config.background import on_sweep
        from portrait.models import Portrait
        from portrait.versioning.publishing import on_publish
        from qualification.evaluation.runs import evaluation_run_on_publish, evaluation_runs_sweep
        from qualification.funnel.alerts import alerts_unsent_sweep
        from qualification.imports.services import lead_imports_sweep
        from qualification.lead_actions import lead_lost_offer, lead_page_action_register

        # A new portrait re-evaluates every lead: its run is planned with the publish
        # (see portrait.versioning.publishing).
        on_publish(Portrait, evaluation_run_on_publish, in_transaction=True)
        # Runs and alert mails that stalled are asked for again (config.background).
        on_sweep(evaluation_runs_sweep)
        on_sweep(alerts_unsent_sweep)
        on_sweep(lead_imports_sweep)
        lead_page_action_register(lead_lost_offer)
        post_migrate.connect(
            _seed_rejection_reasons, sender=self, dispatch_uid="qualification.rejection_reasons"
        )
        # The services send tasks by name: registered here, the names resolve in a web
        # process too, not only in a worker (which finds them by autodiscovery).
        from qualification import tasks  # noqa: F401
