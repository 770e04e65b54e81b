"""What stage 2 offers on the funnel's lead page (registered in ``crm.apps``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.contracts.services import SIGNABLE_STAGES, lead_can_sign
from qualification.lead_actions import LeadPageAction


def contract_sign_offer(*, lead, user) -> LeadPageAction | None:
    """ "Sign contract" on the lead page, for a lead decided interesting that the user may sign."""
    if lead.stage not in SIGNABLE_STAGES or not lead_can_sign(lead=lead, user=user):
        return None
    return LeadPageAction(_("Sign contract"), reverse("crm:contract-sign", args=[lead.pk]))
