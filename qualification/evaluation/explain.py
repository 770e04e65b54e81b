"""The explanation of a lead's evaluation, condition by condition, derived on read.

The per-condition explanation is not stored: ``lead_explain`` derives it on
read from the lead's values and a published portrait version, which is
immutable, so the explanation is deterministic.
"""

from typing import Any

from portrait.choices import DocumentStatus
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
    evaluation = scoring.evaluate_values(lead_values(lead), **portrait_rules(portrait))
    return {"portrait": portrait.id, "portrait_version": portrait.version, **evaluation.explanation}
