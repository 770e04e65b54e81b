"""Writes of the service rules: drafts with their targets, publishing, copies, acknowledgements.

The versioned-document mechanics are ``portrait.versioning``'s, as for the portrait; this
module adds what is particular to the rules: the calendar and the targets.
"""

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import ServiceRules, ServiceRulesAcknowledgement, ServiceTarget
from crm.rules.hours import HORIZON, NeverOpen
from crm.rules.selectors import service_calendar
from portrait.versioning.services import (
    DocumentServices,
    document_acknowledge,
    document_copy_as_draft,
    document_create,
    document_insert,
    document_publish,
    document_update_draft,
)

RULES_FIELDS = ("name", "standards", "time_zone", "holiday_country", "closed_days", "hours")
TARGET_FIELDS = (
    "channel",
    "severity",
    "client_kind",
    "first_response_minutes",
    "resolution_minutes",
)


def _targets_build(*, rules: ServiceRules, items: Iterable[Mapping[str, Any]]) -> list:
    """Unsaved targets, each checked; errors keyed ``targets[2].channel``."""
    targets, errors, seen = [], {}, set()
    for index, item in enumerate(items):
        target = ServiceTarget(
            rules=rules, **{key: item[key] for key in TARGET_FIELDS if key in item}
        )
        try:
            target.full_clean(exclude=["rules"], validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"targets[{index}].{field}"] = messages
        key = (target.channel, target.severity, target.client_kind or None)
        if key in seen:
            errors[f"targets[{index}].channel"] = [
                _("This channel, severity and kind of client already has a target.")
            ]
        seen.add(key)
        targets.append(target)
    if errors:
        raise ValidationError(errors)
    return targets


def _targets_replace(rules: ServiceRules, data: Mapping[str, Any]) -> None:
    if "targets" not in data:
        return
    targets = _targets_build(rules=rules, items=data["targets"])
    ServiceTarget.objects.filter(rules=rules).delete()
    ServiceTarget.objects.bulk_create(targets)


def service_rules_insert(*, rules: ServiceRules, user) -> ServiceRules:
    """Save a new, unsaved version as a draft with the next number (the admin's add form)."""
    with transaction.atomic():
        return document_insert(document=rules, user=user)


def service_rules_create(*, user, data: Mapping[str, Any]) -> ServiceRules:
    """Create a draft of the service rules with its targets from validated data."""
    return document_create(
        document=ServiceRules(),
        user=user,
        fields=RULES_FIELDS,
        data=data,
        replace_children=_targets_replace,
    )


def service_rules_update_draft(
    *,
    rules: ServiceRules,
    user,
    data: Mapping[str, Any],
    expected_etags: Collection[str] | None = None,
) -> ServiceRules:
    """Change a draft; given targets replace its targets. Published versions never change."""
    return document_update_draft(
        document=rules,
        fields=RULES_FIELDS,
        data=data,
        replace_children=_targets_replace,
        expected_etags=expected_etags,
    )


def service_rules_publish(*, rules: ServiceRules, user) -> ServiceRules:
    """Put a draft in force; feedback received from now on takes its deadlines from it."""
    with transaction.atomic():
        rules.full_clean()
        _targets_build(rules=rules, items=rules.targets.values(*TARGET_FIELDS) if rules.pk else ())
        _calendar_check(rules)
        return document_publish(document=rules, user=user)


def _calendar_check(rules: ServiceRules) -> None:
    """The calendar opens enough service minutes for the longest target to fall due.

    In force, a calendar that never opens (no hours on any weekday, or every day closed)
    would leave every item received under it without deadlines.
    """
    longest = (
        rules.targets.aggregate(longest=Max("resolution_minutes"))["longest"] if rules.pk else None
    )
    try:
        service_calendar(rules).deadline(timezone.now(), longest or 1)
    except NeverOpen:
        raise ValidationError(
            {
                "hours": [
                    _(
                        "Within %(days)d days these hours open fewer service minutes than "
                        "the longest target counts: open more hours or shorten the targets."
                    )
                    % {"days": HORIZON.days}
                ]
            }
        ) from None


def service_rules_copy_as_draft(*, rules: ServiceRules, user) -> ServiceRules:
    return document_copy_as_draft(document=rules, user=user)


def service_rules_acknowledge(*, rules: ServiceRules, user) -> ServiceRulesAcknowledgement:
    return document_acknowledge(document=rules, user=user)


#: The service rules' writes, as the versioned-document mixins of its API and admin call them.
SERVICE_RULES_SERVICES = DocumentServices(
    document_keyword="rules",
    create=service_rules_create,
    insert=service_rules_insert,
    update_draft=service_rules_update_draft,
    publish=service_rules_publish,
    copy_as_draft=service_rules_copy_as_draft,
    acknowledge=service_rules_acknowledge,
)
