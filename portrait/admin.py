"""The portrait in the Django admin: where admins write, publish and follow it up."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portrait import services
from portrait.forms import ExclusionForm, SegmentForm
from portrait.models import Exclusion, Portrait, PortraitAcknowledgement, Segment
from portrait.versioning.admin import (
    VERSION_FIELDSET,
    DocumentAcknowledgementAdminMixin,
    DraftOnlyInlineMixin,
    VersionedDocumentAdminMixin,
)


class SegmentInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Segment
    form = SegmentForm
    fields = [
        "name",
        "description",
        "criteria",
        ("capacity", "average_deal_value", "priority"),
        "market_potential",
    ]
    readonly_fields = ["market_potential"]

    @admin.display(description=_("market potential"))
    def market_potential(self, obj):
        return obj.market_potential if obj and obj.pk else "—"


class ExclusionInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Exclusion
    form = ExclusionForm
    fields = ["name", "description", "criteria"]


@admin.register(Portrait)
class PortraitAdmin(VersionedDocumentAdminMixin, SimpleHistoryAdmin):
    document_services = services.PORTRAIT_SERVICES
    inlines = [SegmentInline, ExclusionInline]
    fieldsets = [(None, {"fields": ["name", "description"]}), VERSION_FIELDSET]


@admin.register(PortraitAcknowledgement)
class PortraitAcknowledgementAdmin(DocumentAcknowledgementAdminMixin, admin.ModelAdmin):
    """Who was asked to read which version of the portrait, and who has."""
