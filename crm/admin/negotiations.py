"""Negotiations in the admin: to read; their record is append-only."""

from django.contrib import admin

from crm.models import Negotiation, NegotiationEntry


class NegotiationEntryInline(admin.TabularInline):
    model = NegotiationEntry
    extra = 0
    fields = ("party", "kind", "text", "corrects", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Negotiation)
class NegotiationAdmin(admin.ModelAdmin):
    list_display = ("question", "client", "contract", "deadline", "outcome", "opened_by")
    list_filter = ("outcome",)
    list_select_related = ("client", "contract", "opened_by")
    search_fields = ("question", "client__name")
    inlines = [NegotiationEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
