"""Feedback, delays and escalations in the admin.

Feedback and delays are recorded through their services (deadlines, escalations and the
client's notice follow); afterwards they are read only, and feedback moves on only by
the services' first response and resolution (the actions). Escalations are a record.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from crm.feedback.delays import DELAY_FIELDS, delay_record
from crm.feedback.services import (
    FEEDBACK_FIELDS,
    feedback_acknowledge,
    feedback_record,
    feedback_resolve,
)
from crm.models import ContactDigest, Delay, Escalation, Feedback

#: Written by the services only: the deadlines and every step of the answer.
FEEDBACK_ANSWER_FIELDS = (
    "status",
    "rules",
    "response_due",
    "resolution_due",
    "acknowledged_at",
    "acknowledged_by",
    "response_minutes",
    "resolved_at",
    "resolved_by",
    "resolution_minutes",
    "taken_by",
    "created_at",
)


class EscalationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Escalation
    extra = 0
    fields = ("reason", "created_at", "mailed_at")
    readonly_fields = fields


@admin.register(Feedback)
class FeedbackAdmin(SimpleHistoryAdmin):
    list_display = (
        "received_at",
        "client",
        "kind",
        "channel",
        "rating",
        "severity",
        "status",
        "response_due",
        "resolution_due",
        "escalated",
    )
    list_filter = ("status", "kind", "channel", "severity", "department")
    list_select_related = ("client",)
    search_fields = ("text", "client__name", "external_id")
    date_hierarchy = "received_at"
    autocomplete_fields = ("client",)
    actions = ["acknowledge", "resolve"]
    inlines = [EscalationInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "client",
                    ("kind", "channel", "severity", "rating"),
                    "text",
                    ("received_at", "department"),
                    ("source", "external_id"),
                ]
            },
        ),
        (
            _("Deadlines and answers"),
            {
                "fields": [
                    ("status", "rules"),
                    ("response_due", "resolution_due"),
                    ("acknowledged_at", "acknowledged_by", "response_minutes"),
                    ("resolved_at", "resolved_by", "resolution_minutes"),
                    ("taken_by", "created_at"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        escalated = Escalation.objects.filter(feedback=OuterRef("pk"))
        return super().get_queryset(request).annotate(is_escalated=Exists(escalated))

    @admin.display(description=_("escalated"), boolean=True, ordering="is_escalated")
    def escalated(self, obj):
        return obj.is_escalated

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return FEEDBACK_ANSWER_FIELDS
        # Recorded feedback is a record: what the client said does not change.
        return [*FEEDBACK_FIELDS, *FEEDBACK_ANSWER_FIELDS]

    def get_changeform_initial_data(self, request):
        return {"received_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read only: nothing to save
        feedback, _created = feedback_record(
            user=request.user,
            data={key: form.cleaned_data[key] for key in FEEDBACK_FIELDS if key in form.fields},
        )
        obj.pk = feedback.pk

    @admin.action(description=_("First response given (acknowledge)"), permissions=["change"])
    def acknowledge(self, request, queryset):
        self._move(request, queryset, feedback_acknowledge, gettext("%(count)s acknowledged."))

    @admin.action(description=_("Resolve"), permissions=["change"])
    def resolve(self, request, queryset):
        self._move(request, queryset, feedback_resolve, gettext("%(count)s resolved."))

    def _move(self, request, queryset, service, done: str) -> None:
        moved, refused = 0, []
        for feedback in queryset.order_by("pk"):
            try:
                service(feedback=feedback, user=request.user)
            except ValidationError as error:
                refused.append(f"#{feedback.pk}: {' '.join(error.messages)}")
            else:
                moved += 1
        if moved:
            self.message_user(request, done % {"count": moved}, messages.SUCCESS)
        if refused:
            self.message_user(request, "; ".join(refused), messages.WARNING)


@admin.register(Delay)
class DelayAdmin(SimpleHistoryAdmin):
    list_display = (
        "reference",
        "client",
        "department",
        "postponement",
        "new_date",
        "recorded_at",
        "client_told_at",
    )
    list_filter = ("department",)
    list_select_related = ("client", "department")
    search_fields = ("reference", "what", "client__name")
    date_hierarchy = "recorded_at"
    autocomplete_fields = ("client",)
    fields = (
        *DELAY_FIELDS,
        "postponement",
        "recorded_by",
        "recorded_at",
        "client_told_at",
        "contacts_told",
    )

    def get_readonly_fields(self, request, obj=None):
        written = ("postponement", "recorded_by", "recorded_at", "client_told_at", "contacts_told")
        return written if obj is None else (*DELAY_FIELDS, *written)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        delay = delay_record(
            user=request.user,
            data={field: form.cleaned_data[field] for field in DELAY_FIELDS},
        )
        obj.pk = delay.pk


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bad news that flew: when, why, and when it was e-mailed."""

    list_display = ("created_at", "reason", "client", "feedback", "delay", "mailed_at")
    list_filter = ("reason",)
    list_select_related = ("client", "feedback", "feedback__client", "delay")
    search_fields = ("client__name",)
    date_hierarchy = "created_at"


@admin.register(ContactDigest)
class ContactDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The digests that told owners which of their clients nobody had contacted."""

    list_display = ("period_start", "owner", "clients", "sent_at")
    list_select_related = ("owner",)
    date_hierarchy = "period_start"
