"""Contracts in the admin: signed through the service, never edited afterwards."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from crm.contracts.services import contract_sign
from crm.forms import ContractSignForm
from crm.models import Contract, ContractClause
from qualification.choices import LeadStage
from qualification.models import Lead


class ContractClauseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ContractClause
    extra = 0
    fields = ("ref", "text")
    readonly_fields = fields


class AdminContractSignForm(ContractSignForm):
    """The page's signing form with the lead to choose."""

    # A number, not a list: there may be a hundred thousand leads to choose from.
    lead = forms.ModelChoiceField(
        label=_("lead id"), queryset=Lead.objects.none(), widget=forms.NumberInput
    )
    field_order = ["lead"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Lead.objects.for_user(user).filter(
            stage__in=[LeadStage.QUALIFIED, LeadStage.CONTRACTED]
        )


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    """Contracts are signed through ``contract_sign`` and never edited afterwards."""

    list_display = ("number", "client", "lead", "signed_on", "value", "currency", "salesperson")
    list_filter = ("currency", "signed_on")
    list_select_related = ("client", "lead", "salesperson")
    search_fields = ("number", "client__name", "lead__company_name")
    date_hierarchy = "signed_on"
    inlines = [ContractClauseInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        """Sign a contract: the service's refusals come back as the form's errors."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdminContractSignForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data, clauses = form.signing()
            lead = data.pop("lead")
            try:
                contract, _created = contract_sign(
                    lead=lead, user=request.user, data=data, clauses=clauses
                )
            except ValidationError as error:
                for field, refusals in error.message_dict.items():
                    form.add_error(field if field in form.fields else "clauses", refusals)
            except PermissionDenied as error:
                form.add_error("lead", str(error))
            else:
                self.message_user(
                    request,
                    _("Contract %(number)s signed for %(client)s.")
                    % {"number": contract.number, "client": contract.client},
                    messages.SUCCESS,
                )
                return redirect("admin:crm_contract_change", contract.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sign a contract"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/crm/contract/sign.html", context)
