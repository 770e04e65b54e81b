"""Clients, contacts and departments in the admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm.choices import ClientKind
from crm.clients.services import CLIENT_FIELDS, client_insert, client_update
from crm.models import Client, ClientContact, Department


class ClientContactInline(admin.TabularInline):
    model = ClientContact
    extra = 0
    fields = ("name", "role", "email", "phone", "language")


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    """External clients come from contracts; the admin creates the other kinds."""

    list_display = ("name", "kind", "owner", "department", "language", "created_at")
    list_filter = ("kind", "language")
    list_select_related = ("owner", "department")
    search_fields = ("name", "contacts__name", "contacts__email")
    raw_id_fields = ("owner",)
    inlines = [ClientContactInline]

    def get_readonly_fields(self, request, obj=None):
        # The kind is fixed once the client exists.
        return ("kind", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            # External clients come from signed contracts only.
            kwargs["choices"] = [
                choice for choice in ClientKind.choices if choice[0] != ClientKind.EXTERNAL
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            changed = {
                field: form.cleaned_data[field]
                for field in form.changed_data
                if field in CLIENT_FIELDS
            }
            client_update(client=obj, user=request.user, data=changed)
        else:
            client_insert(client=obj, user=request.user)


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ("name", "head", "created_at")
    search_fields = ("name",)
    raw_id_fields = ("head",)
