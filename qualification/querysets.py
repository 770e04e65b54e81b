"""Reusable lead filters; visibility per role lives here and only here."""

from django.db import models
from django.db.models.functions import Coalesce

#: After every real segment priority (a ``PositiveSmallIntegerField`` stops at 32767).
NO_SEGMENT_PRIORITY = 2**15

# The qualification queue's order (``qualification.ranking``): the matched segment's priority,
# the larger estimated value, the better fit (unevaluated last), then the newest. Plain
# expressions (not NULLS LAST) so that SQLite can index them too.
QUEUE_ORDER = (
    Coalesce("segment_priority", NO_SEGMENT_PRIORITY).asc(),
    Coalesce("estimated_value", -1).desc(),
    Coalesce("fit_score", -1).desc(),
    models.F("created_at").desc(),
    models.F("id").desc(),
)


class LeadQuerySet(models.QuerySet):
    def in_queue_order(self) -> "LeadQuerySet":
        return self.order_by(*QUEUE_ORDER)

    def for_user(self, user) -> "LeadQuerySet":
        """The leads ``user`` may read (DESIGN.md role table); list, detail, merge and sync use it.

        Everyone with ``view_all_leads`` sees all; sales see unassigned leads and their own;
        integration accounts see the leads of the sources granted to them. Roles add up.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.has_perm("qualification.view_all_leads"):
            return self.all()
        if not user.has_perm("qualification.view_lead"):
            return self.none()
        visible = models.Q(pk__in=[])
        if user.has_perm("qualification.qualify_lead"):
            visible |= models.Q(owner__isnull=True) | models.Q(owner=user)
        if user.has_perm("qualification.sync_lead"):
            visible |= self._of_sources_granted_to(user)
        return self.filter(visible)

    def with_identity_in_source(self, source: str) -> "LeadQuerySet":
        """Leads known under ``source`` by any of their identities (merged ones too)."""
        return self.filter(self._known_in_sources(source, lookup="exact"))

    def _of_sources_granted_to(self, user) -> models.Q:
        granted = user.lead_sources.values("name")
        return self._known_in_sources(granted, lookup="in")

    def _known_in_sources(self, sources, *, lookup: str) -> models.Q:
        """Leads whose own source, or a source of an identity they took over by merge, matches."""
        # The identity model through the lead's relation: this module imports no model,
        # since the lead model imports it.
        merged_identities = self.model._meta.get_field("merged_identities")
        in_sources = {f"source__{lookup}": sources}
        merged = merged_identities.related_model.objects.filter(
            **{merged_identities.field.name: models.OuterRef("pk")}, **in_sources
        )
        return models.Q(**in_sources) | models.Q(models.Exists(merged))
