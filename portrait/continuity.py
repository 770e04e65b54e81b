"""One segment, one exclusion, from version to version: their identity across publishes.

A draft's segments and exclusions are copies (``copied_relations``) with the lineage of
the rows they were copied from. When the draft is published, each of its rows that
continues a row of the version in force under the same name takes over that row's id:
the two rows exchange their contents and portraits, so the version in force, archived,
keeps its own content under the draft's former ids. Leads, decisions and exclusion hits
that point at a segment or exclusion then still point at it in the new version, and a
lead whose segment's rule did not change is not rewritten
(``qualification.evaluation.settled``). A renamed row keeps its drafted id (its leads
name it: they must be written and announced), and so do segments of one priority whose
exchange would change which of them is matched first, in either version.
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
    drafted = list(model.objects.filter(portrait=draft).order_by("id"))
    continued = {row.lineage: row for row in model.objects.filter(portrait=in_force)}
    pairs = {}
    for row in drafted:
        before = continued.get(row.lineage)
        # A renamed row takes an id of its own: its leads are written, and a pull
        # announces them under the new name.
        if before is not None and before.name == row.name and before.pk not in pairs.values():
            pairs[row.pk] = before.pk
    if model is Segment:  # every exclusion is checked: their order means nothing
        pairs = _keeping_tie_order(pairs, drafted=drafted, archived=list(continued.values()))
    by_id = {row.pk: row for row in [*drafted, *continued.values()]}
    exchanged = []
    for draft_id, in_force_id in pairs.items():
        # Each row, with its content and portrait, is written under the other's id.
        row, before = by_id[draft_id], by_id[in_force_id]
        row.pk, before.pk = in_force_id, draft_id
        exchanged += [row, before]
    # The audit history records the exchange, by the publisher, on both rows.
    bulk_update_with_history(
        exchanged,
        model,
        fields=["portrait", *content],
        default_user=user if getattr(user, "pk", None) else None,
    )
    return len(pairs)


def _keeping_tie_order(pairs: dict[int, int], *, drafted: list, archived: list) -> dict[int, int]:
    """The exchanges (draft id: id in force) that leave each version's order as it was.

    Rows of one priority are matched in id order: an exchange must not change which of
    two such rows comes first, in the version published or in the one archived. The
    exchanges of a priority where it would are dropped, until none would.
    """
    pairs = dict(pairs)
    while True:
        draft_ids = {in_force_id: draft_id for draft_id, in_force_id in pairs.items()}
        broken = set()
        for rows, new_id, side in (
            (drafted, pairs, "draft"),
            (archived, draft_ids, "archived"),
        ):
            by_priority: dict[int, list] = {}
            for row in rows:
                by_priority.setdefault(row.priority, []).append(row)
            for group in by_priority.values():
                ordered = sorted(group, key=lambda row: row.pk)
                renumbered = [new_id.get(row.pk, row.pk) for row in ordered]
                if renumbered != sorted(renumbered):
                    broken |= {(side, row.pk) for row in group}
        if not broken:
            return pairs
        pairs = {
            draft_id: before_id
            for draft_id, before_id in pairs.items()
            if ("draft", draft_id) not in broken and ("archived", before_id) not in broken
        }
