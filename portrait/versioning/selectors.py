"""The reads every versioned document shares: its acknowledgements, asked and given."""

from django.db.models import QuerySet

from portrait.versioning.models import VersionedDocument


def document_acknowledgements(document: VersionedDocument) -> QuerySet:
    """Every acknowledgement request of ``document`` with its employee."""
    model = type(document).get_acknowledgement_model()
    return model.objects.filter(document=document).select_related("user")


def document_pending_acknowledgements(document: VersionedDocument) -> QuerySet:
    """The acknowledgement requests of ``document`` still waiting for their employee."""
    model = type(document).get_acknowledgement_model()
    return model.objects.filter(document=document, acknowledged_at__isnull=True)
