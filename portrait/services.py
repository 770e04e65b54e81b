"""Writes of the portrait: drafts, publishing, copies and acknowledgements.

The versioned-document mechanics live in ``portrait.versioning``; this module adds
what is particular to the portrait: its segments and exclusions.
"""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from portrait.continuity import identities_carry_over
from portrait.models import Exclusion, Portrait, PortraitAcknowledgement, Segment
from portrait.versioning.services import (
    DocumentServices,
    document_acknowledge,
    document_copy_as_draft,
    document_create,
    document_insert,
    document_publish,
    document_update_draft,
)

_PORTRAIT_FIELDS = ("name", "description")
_SEGMENT_FIELDS = ("name", "description", "criteria", "capacity", "average_deal_value", "priority")
_EXCLUSION_FIELDS = ("name", "description", "criteria")


def _build_children(
    *,
    model: type[models.Model],
    portrait: Portrait,
    items: Iterable[Mapping[str, Any]],
    fields: tuple[str, ...],
    relation: str,
) -> list[models.Model]:
    """Unsaved children, each ``full_clean``-ed; errors are keyed ``segments[2].criteria``."""
    children, errors = [], {}
    for index, item in enumerate(items):
        child = model(portrait=portrait, **{key: item[key] for key in fields if key in item})
        try:
            child.full_clean(exclude=["portrait"])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{relation}[{index}].{field}"] = messages
        children.append(child)
    if errors:
        raise ValidationError(errors)
    return children


_CHILDREN = (
    ("segments", Segment, _SEGMENT_FIELDS),
    ("exclusions", Exclusion, _EXCLUSION_FIELDS),
)


def _replace_children(portrait: Portrait, data: Mapping[str, Any]) -> None:
    for relation, model, fields in _CHILDREN:
        if relation not in data:
            continue
        children = _build_children(
            model=model, portrait=portrait, items=data[relation], fields=fields, relation=relation
        )
        # A replaced child of the same name stays the same segment or exclusion.
        lineages: dict[str, list] = {}
        for name, lineage in model.objects.filter(portrait=portrait).values_list("name", "lineage"):
            lineages.setdefault(name.strip(), []).append(lineage)
        for child in children:
            carried = lineages.get(child.name.strip())
            if carried:
                child.lineage = carried.pop(0)
        model.objects.filter(portrait=portrait).delete()
        model.objects.bulk_create(children)


def portrait_insert(*, portrait: Portrait, user) -> Portrait:
    """Save a new, unsaved portrait as a draft with the next version number (admin add form)."""
    with transaction.atomic():
        return document_insert(document=portrait, user=user)


def portrait_create(*, user, data: Mapping[str, Any]) -> Portrait:
    """Create a draft portrait with its segments and exclusions from validated data."""
    return document_create(
        document=Portrait(),
        user=user,
        fields=_PORTRAIT_FIELDS,
        data=data,
        replace_children=_replace_children,
    )


def portrait_update_draft(
    *,
    portrait: Portrait,
    user,
    data: Mapping[str, Any],
    expected_etags: Collection[str] | None = None,
) -> Portrait:
    """Change a draft; given nested lists replace its segments and exclusions.

    Published and archived versions are immutable (``DocumentStateError``); a stale
    ``expected_etags`` (the ``If-Match`` of a request) raises ``DocumentStaleError``;
    nothing changes then.
    """
    return document_update_draft(
        document=portrait,
        fields=_PORTRAIT_FIELDS,
        data=data,
        replace_children=_replace_children,
        expected_etags=expected_etags,
    )


def portrait_publish(*, portrait: Portrait, user) -> Portrait:
    """Put a draft in force: archive the previous version, ask everyone to acknowledge.

    What the apps registered for it runs with it (the funnel plans the re-evaluation of
    its leads in the same transaction: ``portrait.versioning.publishing``).
    """
    with transaction.atomic():
        # The rules may have grown stricter since the draft was written; report every
        # invalid segment and exclusion at once.
        errors: dict[str, list[str]] = {}
        for relation, model, fields in _CHILDREN:
            try:
                _build_children(
                    model=model,
                    portrait=portrait,
                    items=getattr(portrait, relation).values(*fields),
                    fields=fields,
                    relation=relation,
                )
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        identities_carry_over(draft=portrait, user=user)
        return document_publish(document=portrait, user=user)


def portrait_copy_as_draft(*, portrait: Portrait, user) -> Portrait:
    """A new draft with the content of ``portrait``: how a published version is changed."""
    return document_copy_as_draft(document=portrait, user=user)


def portrait_acknowledge(*, portrait: Portrait, user) -> PortraitAcknowledgement:
    """Record that ``user`` read the published portrait; repeated calls keep the first time."""
    return document_acknowledge(document=portrait, user=user)


#: The portrait's writes, as the versioned-document mixins of its API and admin call them.
PORTRAIT_SERVICES = DocumentServices(
    document_keyword="portrait",
    create=portrait_create,
    insert=portrait_insert,
    update_draft=portrait_update_draft,
    publish=portrait_publish,
    copy_as_draft=portrait_copy_as_draft,
    acknowledge=portrait_acknowledge,
)
