"""The writes every versioned document shares: insert, lock, publish, copy, acknowledge.

A document's own services (``portrait_publish`` and its kin) add what is particular
to it, its children, and call these for the versioning; ``DocumentServices`` names
them for the API and admin mixins.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portrait.choices import DocumentStatus
from portrait.versioning.errors import DocumentStaleError, DocumentStateError
from portrait.versioning.etags import document_etag
from portrait.versioning.models import DocumentAcknowledgement, VersionedDocument
from portrait.versioning.publishing import (
    publish_handlers_run_in_transaction,
    publish_handlers_schedule,
)
from portrait.versioning.selectors import document_readers

_VERSION_ATTEMPTS = 5
_PUBLISH_ATTEMPTS = 3


def document_insert(*, document: VersionedDocument, user) -> VersionedDocument:
    """Save a new document as a draft with the next version number.

    The number is max + 1; two concurrent inserts may compute the same one, so the
    unique constraint decides and the loser retries with a fresh maximum.
    """
    model = type(document)
    document.status = DocumentStatus.DRAFT
    if user is not None and getattr(user, "pk", None):
        document.created_by = user
    # The version is left to the unique constraint: validating it here would turn a
    # lost race into a validation error instead of a retry with the next number.
    document.full_clean(exclude=["version"])
    for attempt in range(_VERSION_ATTEMPTS):
        latest = model.objects.aggregate(latest=Max("version"))["latest"] or 0
        document.version = latest + 1
        try:
            with transaction.atomic():
                document.save(force_insert=True)
        except IntegrityError:
            document.pk = None
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
        else:
            return document
    raise AssertionError("unreachable")


def document_lock_draft(
    *, document: VersionedDocument, expected_etags: Collection[str] | None = None
) -> VersionedDocument:
    """Lock the document's row for an edit; refuse unless it is a draft in the expected state.

    ``expected_etags`` (an ``If-Match``): the stored ETag must be one of them.
    Must run inside ``transaction.atomic``. Returns the freshly read, locked row.
    """
    locked = type(document).objects.select_for_update().get(pk=document.pk)
    if expected_etags is not None and document_etag(locked) not in expected_etags:
        raise DocumentStaleError
    if not locked.is_draft:
        raise DocumentStateError.about(
            locked,
            _("Version %(version)s is %(status)s and cannot change; copy it as a new draft."),
            code="not_draft",
        )
    return locked


def document_create(
    *,
    document: VersionedDocument,
    user,
    fields: Collection[str],
    data: Mapping[str, Any],
    replace_children: Callable[[VersionedDocument, Mapping[str, Any]], None],
) -> VersionedDocument:
    """Save ``document`` with ``fields`` of ``data`` as a new draft, then its children."""
    for key in fields:
        if key in data:
            setattr(document, key, data[key])
    with transaction.atomic():
        document_insert(document=document, user=user)
        replace_children(document, data)
    return document


def document_update_draft(
    *,
    document: VersionedDocument,
    fields: Collection[str],
    data: Mapping[str, Any],
    replace_children: Callable[[VersionedDocument, Mapping[str, Any]], None],
    expected_etags: Collection[str] | None = None,
) -> VersionedDocument:
    """Change a draft's ``fields`` from ``data``; ``replace_children`` swaps the given lists.

    Published and archived versions are immutable (``DocumentStateError``); a stale
    ``expected_etags`` (the ``If-Match`` of a request) raises ``DocumentStaleError``;
    nothing changes then.
    """
    with transaction.atomic():
        locked = document_lock_draft(document=document, expected_etags=expected_etags)
        for key in fields:
            if key in data:
                setattr(locked, key, data[key])
        locked.full_clean()
        # Saved even when only children change, so that the ETag moves on.
        locked.save()
        replace_children(locked, data)
    return locked


def _publish_once(document: VersionedDocument, user) -> VersionedDocument:
    model = type(document)
    with transaction.atomic():
        # Rows are locked in primary-key order so two publishers cannot deadlock. No key
        # changes: a writer that stores a reference to the version in force (a lead's
        # evaluation) checks it with a key-share lock, which this lock lets through, so
        # an in-transaction handler may wait for such writers without a deadlock.
        locked = list(
            model.objects.select_for_update(no_key=True)
            .filter(Q(pk=document.pk) | Q(status=DocumentStatus.PUBLISHED))
            .order_by("pk")
        )
        target = next((row for row in locked if row.pk == document.pk), None)
        if target is None:
            raise model.DoesNotExist
        if not target.is_draft:
            raise DocumentStateError.about(
                target,
                _("Only a draft can be published; version %(version)s is %(status)s."),
                code="not_draft",
            )
        now = timezone.now()
        for previous in locked:
            if previous.status == DocumentStatus.PUBLISHED:
                previous.status = DocumentStatus.ARCHIVED
                previous.archived_at = now
                previous.save(update_fields=["status", "archived_at", "updated_at"])
        target.status = DocumentStatus.PUBLISHED
        target.published_at = now
        target.published_by = user if getattr(user, "pk", None) else None
        target.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        acknowledgement_model = model.get_acknowledgement_model()
        readers = document_readers(model).values_list("pk", flat=True)
        acknowledgement_model.objects.bulk_create(
            [acknowledgement_model(document=target, user_id=pk) for pk in readers.iterator()],
            batch_size=1000,
        )
        publish_handlers_run_in_transaction(document=target)
    return target


def document_publish(*, document: VersionedDocument, user) -> VersionedDocument:
    """Publish a draft: archive the version in force and ask every active employee to read it.

    All in one transaction. Should two publishers race, the partial unique
    constraint stops the second; it retries with a fresh view, archiving the
    version that has just been published, so the later publish wins and there is
    never more than one published version. What the apps registered for the
    document's model runs in that transaction or once it commits
    (``publishing.on_publish``).
    """
    for attempt in range(_PUBLISH_ATTEMPTS):
        try:
            published = _publish_once(document, user)
        except IntegrityError:
            if attempt == _PUBLISH_ATTEMPTS - 1:
                raise DocumentStateError(
                    _("Another version was being published at the same time; try again."),
                    code="publish_conflict",
                ) from None
        else:
            for field in ("status", "published_at", "published_by", "updated_at"):
                setattr(document, field, getattr(published, field))
            publish_handlers_schedule(document=published)
            return published
    raise AssertionError("unreachable")


def document_copy_as_draft(*, document: VersionedDocument, user) -> VersionedDocument:
    """A new draft with the content of ``document`` and of its ``copied_relations``.

    This is how a published (immutable) version changes: edit the copy, publish it.
    """
    model = type(document)
    # The versioning fields are not editable: only the content is copied.
    values = {
        field.attname: getattr(document, field.attname)
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    with transaction.atomic():
        copy = model(**values, based_on=document)
        document_insert(document=copy, user=user)
        for relation in model.copied_relations:
            manager = getattr(document, relation)
            foreign_key = manager.field.name
            children = []
            for child in manager.all():
                child.pk = None
                child._state.adding = True
                setattr(child, foreign_key, copy)
                # Copied verbatim (no validation): a version that a stricter
                # validator now rejects must still be copyable to be fixed.
                children.append(child)
            manager.model.objects.bulk_create(children)
    return copy


def document_acknowledge(*, document: VersionedDocument, user) -> DocumentAcknowledgement:
    """Record that ``user`` read the published ``document``; only the first time counts.

    Returns the acknowledgement; a second call returns it unchanged, with the
    original ``acknowledged_at``. An employee who joined after publishing has no
    request yet; acknowledging creates it.
    """
    if document.status != DocumentStatus.PUBLISHED:
        raise DocumentStateError.about(
            document,
            _("Only the published version can be acknowledged; version %(version)s is %(status)s."),
            code="not_published",
        )
    acknowledgement_model = type(document).get_acknowledgement_model()
    with transaction.atomic():
        acknowledgement, _created = acknowledgement_model.objects.select_for_update().get_or_create(
            document=document, user=user
        )
        if acknowledgement.acknowledged_at is None:
            acknowledgement.acknowledged_at = timezone.now()
            acknowledgement.full_clean()
            acknowledgement.save(update_fields=["acknowledged_at"])
    return acknowledgement


@dataclass(frozen=True)
class DocumentServices:
    """A document's own services, declared once for the mixins of its API and admin.

    Each document keeps services named for it and keyword-only, taking the
    document under its own name (``portrait_publish(portrait=..., user=...)``);
    ``document_keyword`` is that name. The signatures the mixins call:
    ``create(user, data)``, ``insert(<document>, user)``,
    ``update_draft(<document>, user, data, expected_etags)``, and
    ``publish``, ``copy_as_draft``, ``acknowledge`` with ``(<document>, user)``.
    """

    document_keyword: str
    create: Callable[..., VersionedDocument]
    insert: Callable[..., VersionedDocument]
    update_draft: Callable[..., VersionedDocument]
    publish: Callable[..., VersionedDocument]
    copy_as_draft: Callable[..., VersionedDocument]
    acknowledge: Callable[..., DocumentAcknowledgement]

    def on(self, document: VersionedDocument) -> dict[str, Any]:
        """The keyword argument that hands ``document`` to one of these services."""
        return {self.document_keyword: document}
