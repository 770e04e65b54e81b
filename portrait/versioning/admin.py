"""The versioned document in the Django admin: the mixins its admins derive from.

- ``VersionedDocumentAdminMixin``: the document's ``ModelAdmin`` declares
  ``document_services`` (its writes) and its content ``fieldsets``; it gets the
  version fields read only, published and archived versions read only, saves
  through the services, the publish and copy actions and the column of
  acknowledgements still pending, linked to their list.
- ``DraftOnlyInlineMixin``: the inlines of the document's children, which change
  only while the document is a draft.
- ``DocumentAcknowledgementAdminMixin``: the declared acknowledgement model's
  list: who was asked to read which version, and who has; never edited by hand.
"""

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin
from portrait.versioning.selectors import documents_with_pending_count
from portrait.versioning.services import DocumentServices

#: The versioning fields of every document, written only by the services.
VERSION_FIELDS = (
    "version",
    "status",
    "based_on",
    "created_by",
    "created_at",
    "updated_at",
    "published_by",
    "published_at",
    "archived_at",
)

#: The fieldset that shows them, after the document's own.
VERSION_FIELDSET = (
    _("Version"),
    {
        "fields": [
            ("version", "status", "based_on"),
            ("created_by", "created_at", "updated_at"),
            ("published_by", "published_at", "archived_at"),
        ]
    },
)


def _editable(obj) -> bool:
    """Only drafts change; a published or archived version is read-only."""
    return obj is None or obj.is_draft


class DraftOnlyInlineMixin:
    """An inline of a document's children: added, changed and deleted on drafts only."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


class VersionedDocumentAdminMixin:
    """Where admins write drafts, publish them and see who has not read them yet."""

    document_services: DocumentServices
    list_display = ["name", "version", "status", "published_at", "pending_acknowledgements"]
    list_filter = ["status"]
    search_fields = ["name"]
    actions = ["publish", "copy_as_draft"]
    readonly_fields = VERSION_FIELDS

    def get_queryset(self, request):
        return documents_with_pending_count(super().get_queryset(request))

    @admin.display(description=_("not yet acknowledged"), ordering="pending_count")
    def pending_acknowledgements(self, obj):
        if obj.is_draft:
            return "—"
        acknowledgements = self.model.get_acknowledgement_model()._meta
        return format_html(
            '<a href="{}?document__id__exact={}&amp;acknowledged=no">{}</a>',
            reverse(admin_urlname(acknowledgements, "changelist")),
            obj.pk,
            obj.pending_count,
        )

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        codename = get_permission_codename("publish", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def save_model(self, request, obj, form, change):
        services = self.document_services
        if change:
            # Locks the row and refuses unless it is still a draft.
            services.update_draft(
                **services.on(obj),
                user=request.user,
                data={field: getattr(obj, field) for field in form.cleaned_data},
            )
        else:
            services.insert(**services.on(obj), user=request.user)

    @admin.action(description=_("Publish the selected draft"), permissions=["publish"])
    def publish(self, request, queryset):
        services = self.document_services
        documents = list(queryset[:2])
        if len(documents) != 1:
            self.message_user(
                request, gettext("Select exactly one draft to publish."), messages.ERROR
            )
            return
        try:
            document = services.publish(**services.on(documents[0]), user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("Version %(version)s is published; the previous one is archived.")
            % {"version": document.version},
            messages.SUCCESS,
        )

    @admin.action(description=_("Copy as a new draft"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        services = self.document_services
        copies = [
            services.copy_as_draft(**services.on(document), user=request.user)
            for document in queryset.order_by("version")
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


class DocumentAcknowledgementAdminMixin(ReadOnlyAdminMixin):
    """Who was asked to read which version, and who has; written only by the services."""

    list_display = ["user", "document", "requested_at", "acknowledged_at", "acknowledged"]
    list_filter = [AcknowledgedFilter, "document"]
    list_select_related = ["user", "document"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    date_hierarchy = "requested_at"

    @admin.display(description=_("acknowledged"), boolean=True)
    def acknowledged(self, obj):
        return obj.is_acknowledged
