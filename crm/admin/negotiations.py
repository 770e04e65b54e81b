"""Negotiations in the admin: to read; their record is append-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from crm.models import Negotiation, NegotiationEntry


class NegotiationEntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NegotiationEntry
    extra = 0
    fields = ("party", "kind", "text", "corrects", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Negotiation)
class NegotiationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("question", "client", "contract", "deadline", "outcome", "opened_by")
    list_filter = ("outcome",)
    list_select_related = ("client", "contract", "opened_by")
    search_fields = ("question", "client__name")
    inlines = [NegotiationEntryInline]
