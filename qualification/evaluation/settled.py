"""Which leads a new portrait version cannot change: a re-evaluation leaves them unread.

Segments and exclusions keep their ids across versions (``portrait.continuity``). When
every lead holds the outcome of the version before (its run is done), the new version's
run compares the two versions' rules and skips the leads whose outcome follows from
rules that did not change:

* a lead in segment S, when S and every segment matched before it (by priority and id)
  continue with the same criteria, priority and deal value, and no exclusion is new or
  changed: it still fails those segments, still matches S and is still not excluded;
* a lead an exclusion hit, when the exclusions are those of the version before, with
  the same criteria: the same ones hit it, and an excluded lead's outcome depends on
  nothing else.

Both check themselves against the ids a lead holds: a lead is skipped only when its
segment, or every exclusion it was hit by, is a row of the new version, which it can
only be through the exchange of ids at publishing. A row the new version did not take
over (renamed, or a publish that raced another) has an id no lead holds yet, so its
leads are evaluated. Every other lead (no segment, a later segment, never evaluated)
is evaluated.
"""

import json
from dataclasses import dataclass

from django.db import connection

from portrait.models import Portrait
from qualification import sql


@dataclass(frozen=True)
class Settled:
    """What a run may skip: leads in these segments, leads an exclusion hit."""

    segment_ids: tuple[int, ...] = ()
    # The new version's exclusions, when a lead they hit keeps its outcome.
    exclusion_ids: tuple[int, ...] = ()

    def unsettled_where(self, lead_table: str) -> tuple[str, tuple]:
        """SQL over ``lead_table`` for the leads still to evaluate, and its parameters."""
        terms, params = [], []
        if self.segment_ids:
            column = f"{lead_table}.segment_id"
            among, ids = sql.id_in(column, self.segment_ids)
            terms.append(f"({column} IS NULL OR NOT ({among}))")
            params.append(ids)
        if self.exclusion_ids:
            hits = f"{lead_table}.exclusions_hit"
            if connection.vendor == "postgresql":
                hit = f"{hits} <> '[]'::jsonb"
                hit_by_these = f"{hits} <@ CAST(%s AS jsonb)"
            else:
                hit = f"json_array_length({hits}) > 0"
                hit_by_these = (
                    f"NOT EXISTS (SELECT 1 FROM json_each({hits}) AS hit "  # noqa: S608 - ours
                    "WHERE hit.value NOT IN (SELECT value FROM json_each(%s)))"
                )
            terms.append(f"NOT ({hit} AND {hit_by_these})")
            params.append(json.dumps(list(self.exclusion_ids)))
        return (" AND ".join(terms) or "TRUE"), tuple(params)


NOTHING_SETTLED = Settled()


def outcomes_settled(*, before: Portrait, after: Portrait) -> Settled:
    """What ``after`` cannot change in the outcomes leads hold from ``before``."""
    rows = {
        (version, relation): list(getattr(version, relation).all())
        for version in (before, after)
        for relation in ("segments", "exclusions")
    }
    if any(len({row.lineage for row in kept}) < len(kept) for kept in rows.values()):
        return NOTHING_SETTLED  # two rows of one lineage: which continues which is unknown
    exclusions_before = {row.lineage: _rule(row) for row in rows[before, "exclusions"]}
    exclusions_after = {row.lineage: _rule(row) for row in rows[after, "exclusions"]}
    new_or_changed = any(
        exclusions_before.get(lineage) != rule for lineage, rule in exclusions_after.items()
    )
    settled_segments: list[int] = []
    if not new_or_changed:
        segments_before = {row.lineage: _ranked(row) for row in rows[before, "segments"]}
        for segment in sorted(rows[after, "segments"], key=lambda row: (row.priority, row.id)):
            if segments_before.get(segment.lineage) != _ranked(segment):
                break
            settled_segments.append(segment.id)
    same_exclusions = exclusions_before == exclusions_after
    return Settled(
        segment_ids=tuple(settled_segments),
        exclusion_ids=tuple(row.id for row in rows[after, "exclusions"]) if same_exclusions else (),
    )


def _rule(row) -> str:
    """A rule's criteria as one text: ``true`` and ``1`` differ there, not in Python."""
    return json.dumps(row.criteria, sort_keys=True)


def _ranked(segment) -> tuple:
    """What a lead's outcome in ``segment`` follows from: its rule and its rank."""
    return (_rule(segment), segment.priority, segment.average_deal_value)
