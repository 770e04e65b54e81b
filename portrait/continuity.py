"""One segment, one exclusion, from version to version: their identity across publishes.

A draft's segments and exclusions are copies (``copied_relations``) with the lineage of
the rows they were copied from. When the draft is published, each of its rows that
continues a row of the version in force takes over that row's id: the two rows exchange
their contents and portraits, so the version in force, archived, keeps its own content
under the draft's former ids. Leads, decisions and exclusion hits that point at a
segment or exclusion then still point at it in the new version, and a lead whose
segment's rule did not change is not rewritten (``qualification.evaluation.settled``).
"""

from django.db import models
from django.db.models import Q
from simple_history.utils import bulk_update_with_history

from portrait.choices import DocumentStatus
from portrait.models import Exclusion, Portrait, Segment


def identities_carry_over(*, draft: Portrait, user) -> int:
    """Give ``draft``'s continuing segments and exclusions the ids of the version in force.

    Call it in the publishing transaction, before the publish. Returns how many rows
    took over an id.
    """
    # Locked as the publish locks them (``_publish_once``): in key order, no key change.
    locked = (
        Portrait.objects.select_for_update(no_key=True)
        .filter(Q(pk=draft.pk) | Q(status=DocumentStatus.PUBLISHED))
        .order_by("pk")
    )
    in_force = next((row for row in locked if row.pk != draft.pk), None)
    if in_force is None:
        return 0
    return sum(
        _rows_exchange(model, draft=draft, in_force=in_force, user=user)
        for model in (Segment, Exclusion)
    )


def _rows_exchange(model: type[models.Model], *, draft: Portrait, in_force: Portrait, user) -> int:
    content = [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "portrait"
    ]
    continued = {row.lineage: row for row in model.objects.filter(portrait=in_force)}
    exchanged = []
    for row in model.objects.filter(portrait=draft).order_by("id"):
        before = continued.pop(row.lineage, None)
        if before is None:
            continue
        values = {name: getattr(row, name) for name in content}
        for name in content:
            setattr(row, name, getattr(before, name))
        row.portrait = in_force
        for name, value in values.items():
            setattr(before, name, value)
        before.portrait = draft
        exchanged += [before, row]
    # The audit history records the exchange, by the publisher, on both rows.
    bulk_update_with_history(
        exchanged, model, fields=["portrait", *content], default_user=_person(user)
    )
    return len(exchanged) // 2


def _person(user):
    return user if getattr(user, "pk", None) else None
