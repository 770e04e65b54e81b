"""Merging two leads found to be one company: one survives with what both held."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from qualification.choices import LeadChange, LeadStage
from qualification.evaluation.writes import leads_evaluate_ids
from qualification.leads.duplicates import duplicates_flag
from qualification.leads.transitions import lead_transition_record
from qualification.models import Decision, DuplicateCandidate, Lead, LeadIdentity, LeadMerge
from qualification.models.leads import LEAD_CONTENT_FIELDS

# The survivor's fields a merge fills from the duplicate where empty; the attributes merge
# key by key instead.
_FILLED_FROM_DUPLICATE = (
    *(field for field in LEAD_CONTENT_FIELDS if field != "attributes"),
    "owner",
)


def lead_merge(*, survivor: Lead, duplicate: Lead, user) -> Lead:
    """Merge ``duplicate`` into ``survivor`` and delete it; return the survivor.

    The survivor keeps every ``(source, external_id)`` identity of both, so a later push
    under the duplicate's identity updates the survivor. Every row that points at the
    duplicate (decisions, contracts, earlier merge records, any future relation) is
    re-pointed, found through ``Lead._meta.related_objects``; empty fields of the survivor
    are filled from the duplicate; a ``LeadMerge`` keeps what the duplicate held. When
    only the duplicate was decided, its decision becomes the survivor's and so does its
    stage. The survivor is then re-evaluated and its possible duplicates flagged, since
    the fields it took may change both. Rows are locked in primary-key order so two
    merges cannot deadlock.
    """
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": [_("A lead cannot be merged into itself.")]})
    with transaction.atomic():
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update()
            .filter(pk__in=[survivor.pk, duplicate.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise ValidationError({"duplicate": [_("The lead no longer exists.")]})
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        stage_before, owner_before_id = survivor.stage, survivor.owner_id
        snapshot = model_to_dict(duplicate)
        snapshot.update(
            source=duplicate.source,
            external_id=duplicate.external_id,
            annual_revenue=None
            if duplicate.annual_revenue is None
            else str(duplicate.annual_revenue),
            source_updated_at=duplicate.source_updated_at
            and duplicate.source_updated_at.isoformat(),
            # Every key a source knew it by, by source: who may see its marker in a pull.
            identities=_by_source(duplicate.identities()),
        )

        LeadIdentity.objects.filter(lead=duplicate).update(lead=survivor)
        # A row for the duplicate's own key may exist (written before 0006 by an older
        # release): it was just moved to the survivor with the others.
        LeadIdentity.objects.get_or_create(
            source=duplicate.source,
            external_id=duplicate.external_id,
            defaults={"lead": survivor},
        )
        DuplicateCandidate.objects.filter(
            models.Q(lead=duplicate) | models.Q(duplicate_of=duplicate)
        ).delete()
        adopts_decision = _current_decision_keep_survivors(survivor=survivor, duplicate=duplicate)
        try:
            with transaction.atomic():
                _repoint_relations(survivor=survivor, duplicate=duplicate)
        except IntegrityError as error:
            raise ValidationError(
                {"duplicate": [_("The leads cannot be merged: %(error)s") % {"error": error}]}
            ) from error

        for field in _FILLED_FROM_DUPLICATE:
            if getattr(survivor, field) in (None, "") and getattr(duplicate, field) not in (
                None,
                "",
            ):
                setattr(survivor, field, getattr(duplicate, field))
        survivor.attributes = {**(duplicate.attributes or {}), **(survivor.attributes or {})}
        if adopts_decision:
            survivor.stage = duplicate.stage
        if duplicate.stage == LeadStage.CONTRACTED:
            # The duplicate's contracts now point at the survivor: it is a signed company.
            survivor.stage = LeadStage.CONTRACTED
        survivor.full_clean(validate_unique=False, validate_constraints=False)
        survivor.save()
        lead_transition_record(
            lead=survivor,
            change=LeadChange.MERGED,
            user=user,
            stage_before=stage_before,
            owner_before_id=owner_before_id,
            note=str(duplicate),
        )
        merge = LeadMerge(
            survivor=survivor,
            merged_lead_id=duplicate.pk,
            merged_snapshot=snapshot,
            merged_by=user,
        )
        merge.full_clean()
        merge.save()
        duplicate.delete()
        leads_evaluate_ids(ids=[survivor.pk])
        duplicates_flag(lead_ids=[survivor.pk])
    survivor.refresh_from_db()
    return survivor


def _by_source(identities) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for identity in identities:
        keys.setdefault(identity.source, []).append(identity.external_id)
    return keys


def leads_merge_into_oldest(*, leads: list[Lead], user) -> Lead:
    """Merge every lead of ``leads`` into the oldest of them; all or none.

    A merge refused part way (``ValidationError``) undoes the ones before it.
    """
    ordered = sorted(leads, key=lambda lead: lead.pk)
    if len(ordered) < 2:
        raise ValidationError({"leads": [_("Select at least two leads.")]})
    survivor = ordered[0]
    with transaction.atomic():
        for duplicate in ordered[1:]:
            survivor = lead_merge(survivor=survivor, duplicate=duplicate, user=user)
    return survivor


def _current_decision_keep_survivors(*, survivor: Lead, duplicate: Lead) -> bool:
    """Both decided: the survivor's decision stays current, the duplicate's becomes history.

    Return whether the duplicate's current decision becomes the survivor's (only the
    duplicate was decided).
    """
    if Decision.objects.filter(lead=survivor, is_current=True).exists():
        Decision.objects.filter(lead=duplicate, is_current=True).update(is_current=False)
        return False
    return Decision.objects.filter(lead=duplicate, is_current=True).exists()


# Moved or dropped by ``lead_merge`` itself; every other relation (``LeadMerge``
# records of earlier merges included) is re-pointed to the survivor.
_HANDLED = {LeadIdentity, DuplicateCandidate}


def _repoint_relations(*, survivor: Lead, duplicate: Lead) -> None:
    for relation in Lead._meta.related_objects:
        model = relation.related_model
        if model in _HANDLED or model is Lead:
            continue
        if relation.many_to_many:
            through = relation.through if hasattr(relation, "through") else None
            through = through or relation.field.remote_field.through
            source_column = relation.field.m2m_reverse_field_name()
            already = through.objects.filter(**{source_column: survivor}).values_list(
                relation.field.m2m_field_name(), flat=True
            )
            through.objects.filter(**{source_column: duplicate}).exclude(
                **{f"{relation.field.m2m_field_name()}__in": already}
            ).update(**{source_column: survivor})
            continue
        field_name = relation.field.name
        if relation.one_to_one and model.objects.filter(**{field_name: survivor}).exists():
            raise ValidationError(
                {
                    "duplicate": [
                        _("Both leads have a %(relation)s; resolve it before merging.")
                        % {"relation": model._meta.verbose_name}
                    ]
                }
            )
        model._base_manager.filter(**{field_name: duplicate}).update(**{field_name: survivor})
