"""The reads every versioned document shares: its acknowledgements, asked and given."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from portrait.versioning.models import DocumentAcknowledgement, VersionedDocument


def document_readers(model: type[VersionedDocument]) -> QuerySet:
    """The active accounts asked to acknowledge ``model``'s versions: those who may.

    Integration accounts and people without a role hold no ``acknowledge_<model>``
    permission: asked, they could never answer, and the list of who has not read a
    version would never empty.
    """
    app_label, codename = model._meta.app_label, f"acknowledge_{model._meta.model_name}"
    granted = {"permissions__codename": codename, "permissions__content_type__app_label": app_label}
    may_acknowledge = (
        Q(is_superuser=True)
        | Q(
            pk__in=get_user_model().objects.filter(
                **{f"groups__{k}": v for k, v in granted.items()}
            )
        )
        | Q(pk__in=get_user_model().objects.filter(**{f"user_{k}": v for k, v in granted.items()}))
    )
    return get_user_model().objects.filter(may_acknowledge, is_active=True)


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
