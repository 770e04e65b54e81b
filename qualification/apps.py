from django.apps import AppConfig
from django.db import transaction
from django.utils.translation import gettext_lazy as _


def _reevaluate_on_publish(sender, portrait, **kwargs) -> None:
    """A new portrait version re-evaluates every lead, in the background."""
    from qualification.tasks import evaluation_run_start_task

    portrait_id = portrait.pk
    transaction.on_commit(lambda: evaluation_run_start_task.delay(portrait_id))


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")

    def ready(self) -> None:
        from portrait.signals import portrait_published

        portrait_published.connect(
            _reevaluate_on_publish, dispatch_uid="qualification.reevaluate_on_publish"
        )
