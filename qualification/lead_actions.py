"""Actions that apps above the funnel offer on the lead page, registered explicitly.

The lead page belongs to ``qualification``, which knows nothing of the apps built on it;
``crm`` registers "sign contract" here in its ``ready()``, and the page shows what the
registered offers make of the lead and the reader.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LeadPageAction:
    """A link on the lead page: what it says and where it leads."""

    label: str
    url: str


LeadPageOffer = Callable[..., "LeadPageAction | None"]
_offers: list[LeadPageOffer] = []


def lead_page_action_register(offer: LeadPageOffer) -> None:
    """Add ``offer(lead=..., user=...)``, which returns an action or ``None`` (idempotent)."""
    if offer not in _offers:
        _offers.append(offer)


def lead_page_actions(*, lead, user) -> list[LeadPageAction]:
    """What the registered offers make of ``lead`` for ``user``, in registration order."""
    return [action for offer in _offers if (action := offer(lead=lead, user=user)) is not None]


def lead_lost_offer(*, lead, user) -> LeadPageAction | None:
    """ "Mark lost" on the page of a qualified lead the user may mark lost."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from qualification.choices import LeadStage
    from qualification.leads.loss import lead_can_lose

    if lead.stage != LeadStage.QUALIFIED or not lead_can_lose(lead=lead, user=user):
        return None
    return LeadPageAction(_("Mark lost"), reverse("qualification:lead-lost", args=[lead.pk]))
