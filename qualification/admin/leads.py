"""Admin for leads, their identities, sources (grants to integration accounts) and duplicates."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from config.forms import StorableJSONFormField
from qualification.leads.merge import leads_merge_into_oldest
from qualification.leads.reassignment import REASSIGN, lead_owner_candidates, lead_reassign
from qualification.leads.services import lead_save
from qualification.models import (
    DuplicateCandidate,
    Lead,
    LeadIdentity,
    LeadMerge,
    LeadSource,
    LeadTransition,
)
from qualification.models.leads import LEAD_EVALUATION_FIELDS


class LeadIdentityInline(admin.TabularInline):
    """The identities the lead took over by merges; its own is on the lead."""

    model = LeadIdentity
    verbose_name_plural = gettext_lazy("identities taken over by merges")
    extra = 0
    fields = ("source", "external_id", "created_at")
    readonly_fields = ("source", "external_id", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "source",
        "external_id",
        "country",
        "stage",
        "suggested_verdict",
        "fit_score",
        "owner",
        "updated_at",
    )
    list_filter = ("stage", "suggested_verdict", "segment", "source", "country")
    search_fields = (
        "company_name",
        "external_id",
        "email",
        "website",
        "merged_identities__external_id",
    )
    list_select_related = ("owner", "segment")
    formfield_overrides = {models.JSONField: {"form_class": StorableJSONFormField}}
    readonly_fields = (
        # Stage and owner change only through services: decisions, reassignment, merges.
        "stage",
        "owner",
        *LEAD_EVALUATION_FIELDS,
        "website_domain",
        "email_domain",
        "name_key",
        "source_updated_at",
        "created_at",
        "updated_at",
    )
    inlines = [LeadIdentityInline]
    actions = ["merge_into_oldest", "reassign"]

    def get_queryset(self, request):
        return Lead.objects.for_user(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # The identity is the key a source pushes by: fixed once the lead exists.
        return (*fields, "source", "external_id") if obj else fields

    def save_model(self, request, obj, form, change):
        # Created or changed: identity, evaluation and duplicates, as a synced lead.
        lead_save(lead=obj)

    def has_reassign_permission(self, request) -> bool:
        return request.user.has_perm(REASSIGN)

    @admin.action(description=gettext_lazy("Reassign the selected leads"), permissions=["reassign"])
    def reassign(self, request, queryset):
        """Ask for the new owner on a page of its own, then reassign through the service."""
        form = LeadReassignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            owner, note = form.cleaned_data["owner"], form.cleaned_data["note"]
            try:
                with transaction.atomic():
                    for lead in queryset.order_by("pk"):
                        lead_reassign(lead=lead, owner=owner, user=request.user, note=note)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "%(count)d lead reassigned to %(owner)s.",
                    "%(count)d leads reassigned to %(owner)s.",
                    len(queryset),
                )
                % {"count": len(queryset), "owner": owner or _("nobody (unassigned)")},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reassign leads"),
            "form": form,
            "leads": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/qualification/lead/reassign.html", context)

    @admin.action(description=gettext_lazy("Merge the selected leads into the oldest one"))
    def merge_into_oldest(self, request, queryset):
        if not request.user.has_perm("qualification.merge_lead"):
            raise PermissionDenied
        leads = list(queryset)
        if len(leads) < 2:
            self.message_user(request, _("Select at least two leads."), messages.WARNING)
            return
        try:
            survivor = leads_merge_into_oldest(leads=leads, user=request.user)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d lead merged into %(lead)s.",
                "%(count)d leads merged into %(lead)s.",
                len(leads) - 1,
            )
            % {"count": len(leads) - 1, "lead": survivor},
        )


class LeadReassignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=gettext_lazy("New owner"),
        queryset=Lead.objects.none(),
        required=False,
        empty_label=gettext_lazy("— nobody (unassigned) —"),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = lead_owner_candidates()


@admin.register(LeadTransition)
class LeadTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every change of a lead's stage or owner, as the services recorded it: read only."""

    list_display = (
        "lead",
        "change",
        "stage_before",
        "stage_after",
        "owner_before",
        "owner_after",
        "changed_by",
        "changed_at",
    )
    list_filter = ("change", "stage_after")
    list_select_related = ("lead", "owner_before", "owner_after", "changed_by")
    search_fields = ("lead__company_name", "changed_by__username")
    date_hierarchy = "changed_at"


@admin.register(LeadSource)
class LeadSourceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    filter_horizontal = ("accounts",)


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ("lead", "duplicate_of", "reason", "resolved", "created_at")
    list_filter = ("reason", "resolved")
    list_select_related = ("lead", "duplicate_of")
    raw_id_fields = ("lead", "duplicate_of")
    actions = ["mark_resolved"]

    @admin.action(description=gettext_lazy("Mark as not duplicates"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        updated = queryset.update(resolved=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d pair marked as not duplicates.",
                "%(count)d pairs marked as not duplicates.",
                updated,
            )
            % {"count": updated},
        )


@admin.register(LeadMerge)
class LeadMergeAdmin(admin.ModelAdmin):
    list_display = ("survivor", "merged_lead_id", "merged_by", "merged_at")
    readonly_fields = ("survivor", "merged_lead_id", "merged_snapshot", "merged_by", "merged_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
