"""Who may push leads to a source: sources are granted to integration accounts."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from qualification.models import LeadSource


class SourceNotGranted(PermissionDenied):
    """The source belongs to other integration accounts.

    ``code`` and ``errors`` (the field at fault) go into the API's error answer.
    """

    code = "source_not_granted"

    def __init__(self, source: str):
        self.source = source
        message = _(
            'You may not push leads to source "%(source)s": it is granted to another account.'
        ) % {"source": source}
        self.errors = {"source": [message]}
        super().__init__(message)


def lead_source_authorize(*, source: str, user) -> LeadSource:
    """Check that ``user`` may push to ``source``; the first push to a free source takes it.

    Importers (``import_lead``) may push to any source. Integration accounts may push to
    sources granted to them; a source nobody holds is granted to the first one pushing;
    another account's source raises ``SourceNotGranted`` (an admin grants it in the admin).
    """
    can_import = user.is_superuser or user.has_perm("qualification.import_lead")
    if not can_import and not user.has_perm("qualification.sync_lead"):
        raise PermissionDenied(_("You may not push leads."))
    with transaction.atomic():
        lead_source, _created = LeadSource.objects.get_or_create(name=source)
        if can_import or _holds(lead_source, user):
            return lead_source
        # Nobody may hold it yet: lock it, so two accounts' first pushes cannot both take
        # it. Only then: the lock writes WAL, which every push would wait to flush.
        lead_source = LeadSource.objects.select_for_update().get(pk=lead_source.pk)
        if lead_source.accounts.exists():
            if not _holds(lead_source, user):
                raise SourceNotGranted(source)
        else:
            lead_source.accounts.add(user)
    return lead_source


def _holds(lead_source: LeadSource, user) -> bool:
    return lead_source.accounts.filter(pk=user.pk).exists()
