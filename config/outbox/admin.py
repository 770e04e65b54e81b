from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin
from config.outbox.models import OutboxMessage


class DispatchedFilter(admin.SimpleListFilter):
    title = _("dispatched")
    parameter_name = "dispatched"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No, waiting for the sweeper"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(dispatched_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was asked of the workers and when the broker took it: for operators, read only."""

    list_display = ["task_name", "args", "created_at", "dispatched_at", "attempts"]
    list_filter = [DispatchedFilter, "task_name"]
    date_hierarchy = "created_at"
