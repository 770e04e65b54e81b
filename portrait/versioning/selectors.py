"""The reads every versioned document shares: its acknowledgements, asked and given."""

from django.db.models import Count, Q, QuerySet

from portrait.versioning.models import DocumentAcknowledgement, VersionedDocument


def document_acknowledgements(document: VersionedDocument) -> QuerySet:
    """Every acknowledgement request of ``document`` with its employee."""
    model = type(document).get_acknowledgement_model()
    return model.objects.filter(document=document).select_related("user")


def document_acknowledgement_for_user(
    document: VersionedDocument, user
) -> DocumentAcknowledgement | None:
    """``user``'s acknowledgement request of ``document``, if they were asked or answered."""
    model = type(document).get_acknowledgement_model()
    return model.objects.filter(document=document, user=user).first()


def documents_with_pending_count(queryset: QuerySet) -> QuerySet:
    """``queryset`` with ``pending_count``: each version's requests still unanswered."""
    acknowledgements = queryset.model.get_acknowledgement_model()
    # The reverse name of the declared model's ``document`` key, whatever it is called.
    relation = acknowledgements._meta.get_field("document").related_query_name()
    return queryset.annotate(
        pending_count=Count(relation, filter=Q(**{f"{relation}__acknowledged_at__isnull": True}))
    )
