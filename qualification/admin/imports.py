"""Admin for import jobs: read-only, with their chunks, to follow a job or see why it stopped."""

from django.contrib import admin

from config.admin import ReadOnlyAdminMixin
from qualification.models import LeadImport, LeadImportChunk


class LeadImportChunkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadImportChunk
    fields = (
        "number",
        "start_line",
        "row_count",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "done_at",
    )
    readonly_fields = fields
    extra = 0


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "file_name",
        "source",
        "requested_by",
        "state",
        "rows",
        "total_rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "created_at",
        "finished_at",
    )
    list_filter = ("state",)
    list_select_related = ("requested_by",)
    search_fields = ("file_name", "source")
    inlines = [LeadImportChunkInline]
