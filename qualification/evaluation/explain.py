"""The explanation of a lead's evaluation, condition by condition, derived on read.

The per-condition explanation is not stored: ``lead_explain`` derives it on
read from the lead's values and the stored portrait version, which is
immutable once published, so the explanation is deterministic.
"""

from typing import Any

from portrait.models import Portrait
from qualification import scoring
from qualification.models import Lead


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


def lead_explain(lead: Lead) -> dict:
    """Per-condition explanation of the lead's stored evaluation (its portrait version)."""
    portrait = lead.evaluated_portrait
    if portrait is None:
        return {}
    evaluation = scoring.evaluate_values(lead_values(lead), **portrait_rules(portrait))
    return {"portrait": portrait.id, "portrait_version": portrait.version, **evaluation.explanation}
