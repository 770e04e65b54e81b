"""The explanation of a lead's evaluation, condition by condition, derived on read.

The per-condition explanation is not stored: ``lead_explain`` derives it on
read from the lead's values and a published portrait version, which is
immutable, so the explanation is deterministic.
"""

from typing import Any

from portrait.choices import DocumentStatus
from portrait.criteria.wording import criteria_sentences, field_label
from portrait.models import Portrait
from qualification import scoring
from qualification.models import EvaluationRun, EvaluationRunStatus, Lead


def lead_values(lead: Lead) -> dict[str, Any]:
    """The lead as the criteria predicate reads it: its concrete fields by name."""
    return {
        field.name: getattr(lead, field.attname)
        for field in Lead._meta.concrete_fields
        if not field.is_relation
    }


def portrait_rules(portrait: Portrait) -> dict[str, list[scoring.Rule]]:
    """``portrait``'s segments and exclusions as ``scoring.evaluate_values`` takes them."""
    return {
        "segments": [
            scoring.Rule(
                id=segment.id,
                name=segment.name,
                criteria=segment.criteria,
                priority=segment.priority,
            )
            for segment in portrait.segments.all()
        ],
        "exclusions": [
            scoring.Rule(id=exclusion.id, name=exclusion.name, criteria=exclusion.criteria)
            for exclusion in portrait.exclusions.all()
        ],
    }


def explaining_portrait(lead: Lead) -> Portrait | None:
    """The version whose rules explain the lead's stored outcome best.

    A re-evaluation leaves a lead whose outcome the new version does not change as it
    was, on the version that produced it (``evaluation_update``). Once the run of the
    version in force is done, every lead holds that version's outcome: the reader is
    then told why by the rules in force, not by an archived version's.
    """
    stored = lead.evaluated_portrait
    if stored is None or stored.status == DocumentStatus.PUBLISHED:
        return stored
    in_force = Portrait.objects.filter(status=DocumentStatus.PUBLISHED).first()
    if in_force is not None and (
        EvaluationRun.objects.filter(portrait=in_force, status=EvaluationRunStatus.DONE).exists()
    ):
        return in_force
    return stored


def lead_explain(lead: Lead) -> dict:
    """Per-condition explanation of the lead's stored evaluation (``explaining_portrait``)."""
    portrait = explaining_portrait(lead)
    if portrait is None:
        return {}
    return _explained(lead, portrait)


def _explained(lead: Lead, portrait: Portrait) -> dict:
    evaluation = scoring.evaluate_values(lead_values(lead), **portrait_rules(portrait))
    return {"portrait": portrait.id, "portrait_version": portrait.version, **evaluation.explanation}


def lead_explanation_for_people(lead: Lead) -> dict:
    """``lead_explain`` as the lead page reads it: the matched segment first, the exclusions
    that hit it, then the other rules with why they did not match, all in sentences.

    Each rule: ``kind``, ``name``, ``matched``, ``priority`` (segments), ``lines``
    (``criteria_sentences`` with the lead's results), ``unmet`` (the sentences of the
    conditions it fails) and ``missing`` (the labels of the fields the lead lacks).
    """
    portrait = explaining_portrait(lead)
    if portrait is None:
        return {}
    explanation = _explained(lead, portrait)
    criteria = {("segment", rule.id): rule.criteria for rule in portrait.segments.all()}
    criteria |= {("exclusion", rule.id): rule.criteria for rule in portrait.exclusions.all()}
    rules = []
    kinds = (("segment", explanation["segments"]), ("exclusion", explanation["exclusions"]))
    for kind, rows in kinds:
        for row in rows:
            lines = criteria_sentences(criteria[(kind, row["id"])], row["conditions"])
            rules.append(
                {
                    "kind": kind,
                    "id": row["id"],
                    "name": row["name"],
                    "matched": row["matched"],
                    "priority": row.get("priority"),
                    "lines": lines,
                    "unmet": [
                        line for line in lines if not line.get("is_group") and not line["matched"]
                    ],
                    "missing": [field_label(field) for field in row.get("missing_fields", [])],
                }
            )
    matched = [rule for rule in rules if rule["kind"] == "segment" and rule["matched"]]
    # By id; an archived version explaining a lead its successor's run has not reached yet
    # has handed its rows' ids to that successor (``portrait.continuity``): the first match.
    matched_segment = next(
        (rule for rule in matched if rule["id"] == lead.segment_id),
        matched[0] if matched and lead.segment_id is not None else None,
    )
    hit = [rule for rule in rules if rule["kind"] == "exclusion" and rule["matched"]]
    shown = [matched_segment, *hit]
    return {
        "portrait_version": explanation["portrait_version"],
        "segment": matched_segment,
        "exclusions_hit": hit,
        "others": [rule for rule in rules if not any(rule is first for first in shown)],
    }
