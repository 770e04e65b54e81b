"""Negotiating on the client's page: open one, record each side's say, close it.

Thin views over ``crm.negotiations.services``; the record stays append-only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.clients.selectors import clients_for_user
from crm.contracts.selectors import contracts_for_user
from crm.forms import NegotiationCloseForm, NegotiationEntryForm, NegotiationFromFeedbackForm
from crm.negotiations.selectors import negotiations_for_user
from crm.negotiations.services import (
    negotiation_close,
    negotiation_entry_add,
    negotiation_open,
)


def _on_client_page(negotiation):
    url = reverse("crm:client", args=[negotiation.client_id])
    return redirect(f"{url}#negotiation-{negotiation.pk}")


def _refusals(form, error: ValidationError) -> None:
    for field, refusals in error.message_dict.items():
        form.add_error(field if field in form.fields else None, refusals)


@login_required
def negotiation_new(request, client_pk: int):
    """Open a negotiation with a client on a hard question, against a clause if one applies."""
    client = get_object_or_404(clients_for_user(request.user), pk=client_pk)
    if not request.user.has_perm("crm.add_negotiation"):
        raise PermissionDenied(_("You may not negotiate with this client."))
    form = NegotiationFromFeedbackForm(
        request.POST if request.method == "POST" else None,
        contracts=contracts_for_user(request.user).filter(client=client),
    )
    if request.method == "POST" and form.is_valid():
        try:
            negotiation = negotiation_open(user=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            _refusals(form, error)
        else:
            messages.success(request, _("Negotiation opened with %(client)s.") % {"client": client})
            return _on_client_page(negotiation)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "client": client}
    return render(request, "crm/negotiation_new.html", context, status=status)


@login_required
@require_POST
def negotiation_entry(request, pk: int):
    """Record a position or a proposal of one side."""
    negotiation = get_object_or_404(negotiations_for_user(request.user), pk=pk)
    form = NegotiationEntryForm(request.POST)
    if form.is_valid():
        try:
            negotiation_entry_add(negotiation=negotiation, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Recorded."))
    else:
        messages.error(request, _("Say which side, what kind, and what was said."))
    return _on_client_page(negotiation)


@login_required
@require_POST
def negotiation_close_page(request, pk: int):
    """Close a negotiation with its outcome."""
    negotiation = get_object_or_404(negotiations_for_user(request.user), pk=pk)
    form = NegotiationCloseForm(request.POST)
    if form.is_valid():
        try:
            negotiation_close(negotiation=negotiation, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The negotiation is closed."))
    return _on_client_page(negotiation)
