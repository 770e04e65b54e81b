"""The portrait in the Django admin: where admins write, publish and follow it up."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portrait import services
from portrait.forms import ExclusionForm, SegmentForm
from portrait.models import Exclusion, Portrait, PortraitAcknowledgement, Segment
from portrait.permissions import user_can_publish


def _editable(obj) -> bool:
    """Only drafts change; a published or archived version is read-only."""
    return obj is None or obj.is_draft


class _DraftOnlyInline:
    extra = 0

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


class SegmentInline(_DraftOnlyInline, admin.StackedInline):
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


class ExclusionInline(_DraftOnlyInline, admin.StackedInline):
    model = Exclusion
    form = ExclusionForm
    fields = ["name", "description", "criteria"]


@admin.register(Portrait)
class PortraitAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "status", "published_at", "pending_acknowledgements"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [SegmentInline, ExclusionInline]
    actions = ["publish", "copy_as_draft"]
    readonly_fields = [
        "version",
        "status",
        "based_on",
        "created_by",
        "created_at",
        "updated_at",
        "published_by",
        "published_at",
        "archived_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "description"]}),
        (
            _("Version"),
            {
                "fields": [
                    ("version", "status", "based_on"),
                    ("created_by", "created_at", "updated_at"),
                    ("published_by", "published_at", "archived_at"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_count=Count(
                    "acknowledgements", filter=Q(acknowledgements__acknowledged_at__isnull=True)
                )
            )
        )

    @admin.display(description=_("not yet acknowledged"), ordering="pending_count")
    def pending_acknowledgements(self, obj):
        if obj.is_draft:
            return "—"
        url = reverse("admin:portrait_portraitacknowledgement_changelist")
        return format_html(
            '<a href="{}?document__id__exact={}&amp;acknowledged=no">{}</a>',
            url,
            obj.pk,
            obj.pending_count,
        )

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        return user_can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            # Locks the row and refuses unless it is still a draft.
            services.portrait_update_draft(
                portrait=obj,
                user=request.user,
                data={field: getattr(obj, field) for field in ("name", "description")},
            )
        else:
            services.portrait_insert(portrait=obj, user=request.user)

    @admin.action(description=_("Publish the selected draft"), permissions=["publish"])
    def publish(self, request, queryset):
        portraits = list(queryset[:2])
        if len(portraits) != 1:
            self.message_user(
                request, gettext("Select exactly one draft to publish."), messages.ERROR
            )
            return
        try:
            portrait = services.portrait_publish(portrait=portraits[0], user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("Version %(version)s is published; the previous one is archived.")
            % {"version": portrait.version},
            messages.SUCCESS,
        )

    @admin.action(description=_("Copy as a new draft"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        copies = [
            services.portrait_copy_as_draft(portrait=portrait, user=request.user)
            for portrait in queryset.order_by("version")
        ]
        self.message_user(
            request,
            gettext("New drafts: %(versions)s.")
            % {"versions": ", ".join(str(copy.version) for copy in copies)},
            messages.SUCCESS,
        )


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("acknowledged")
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("Not yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(acknowledged_at__isnull=True)
        return queryset


@admin.register(PortraitAcknowledgement)
class PortraitAcknowledgementAdmin(admin.ModelAdmin):
    """Who was asked to read which version, and who has; written only by the services."""

    list_display = ["user", "document", "requested_at", "acknowledged_at", "acknowledged"]
    list_filter = [AcknowledgedFilter, "document"]
    list_select_related = ["user", "document"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    date_hierarchy = "requested_at"

    @admin.display(description=_("acknowledged"), boolean=True)
    def acknowledged(self, obj):
        return obj.is_acknowledged

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
