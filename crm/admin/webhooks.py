"""Webhooks in the admin: admins manage the endpoints; deliveries and their attempts are a
record to read.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from crm.choices import WebhookEventType
from crm.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from crm.models.webhooks import default_event_types
from crm.webhooks.services import webhook_endpoint_secret_rotate


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=WebhookEndpoint._meta.get_field("url").help_text,
    )
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=WebhookEventType.choices,
        initial=default_event_types,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "is_active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    actions = ["secret_rotate"]

    def get_fields(self, request, obj=None):
        fields = ["url", "description", "event_types", "is_active"]
        return [*fields, "secret", "created_at"] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return ("secret", "created_at") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self._secret_show(request, obj)

    @admin.action(description=_("Give the selected endpoints new signing secrets"))
    def secret_rotate(self, request, queryset):
        for endpoint in queryset:
            self._secret_show(request, webhook_endpoint_secret_rotate(endpoint=endpoint))

    def _secret_show(self, request, endpoint: WebhookEndpoint) -> None:
        # The receiver needs it to check our signatures; admins read it on the endpoint's page.
        self.message_user(
            request,
            format_html(
                gettext("The signing secret of {endpoint}: <code>{secret}</code>"),
                endpoint=endpoint,
                secret=endpoint.secret,
            ),
            messages.WARNING,
        )


class WebhookAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    fields = ("number", "attempted_at", "status_code", "duration_ms", "error", "response")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "webhook_id",
        "endpoint",
        "escalation",
        "state",
        "attempt_count",
        "first_attempted_at",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state", "event_type", "endpoint")
    list_select_related = ("endpoint", "escalation__client")
    search_fields = ("webhook_id", "escalation__client__name", "endpoint__url")
    fields = (
        "webhook_id",
        "event_type",
        "endpoint",
        "escalation",
        "state",
        "attempt_count",
        "first_attempted_at",
        "last_attempted_at",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body_shown",
    )
    readonly_fields = fields
    inlines = [WebhookAttemptInline]

    @admin.display(description=_("body (JSON)"))
    def body_shown(self, delivery: WebhookDelivery):
        return format_html("<pre>{}</pre>", delivery.body)
