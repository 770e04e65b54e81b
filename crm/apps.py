from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Clients and service")
    role_grants = "crm.roles.GRANTS"

    def ready(self) -> None:
        # Services send tasks by name: registered here, they resolve in every process.
        from config.background import on_sweep
        from crm import tasks  # noqa: F401
        from crm.contracts.outcomes import ContractOutcomes
        from crm.feedback.sweep import delays_untold_sweep, escalations_unmailed_sweep
        from crm.page_actions import contract_sign_offer
        from crm.reports import tasks as report_tasks  # noqa: F401
        from qualification.funnel.outcomes import outcomes_register
        from qualification.lead_actions import lead_page_action_register

        # Stage 2 closes the funnel: its contracts are the funnel's outcomes, and the
        # lead page offers to sign one.
        outcomes_register(ContractOutcomes())
        lead_page_action_register(contract_sign_offer)
        # Bad news whose message was lost is asked for again (config.background).
        on_sweep(escalations_unmailed_sweep)
        on_sweep(delays_untold_sweep)
