"""Pages of clients: the clients list, a client's page, signing a contract for a lead.

Thin views: visibility from the client selectors, writes through the services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.pagination import BoundedCountPaginator
from crm.clients import selectors
from crm.clients.timeline import client_timeline, delays_with_history
from crm.contracts.services import SIGNABLE_STAGES, contract_sign, lead_can_sign
from crm.feedback.selectors import client_delays, client_feedback
from crm.filtersets import ClientPageFilterSet
from crm.forms import ContractSignForm
from crm.models import Client
from crm.negotiations.selectors import negotiations_overdue_for_user
from crm.reports.charts import rating_sparkline
from crm.reports.selectors import (
    clients_out_of_touch,
    clients_out_of_touch_for_user,
    no_contact_days,
    out_of_touch_rows,
    rating_report,
)
from crm.views.feedback import feedback_abilities, with_countdowns
from qualification.leads.selectors import leads_visible

CLIENTS_PER_PAGE = 25
OVERDUE_SHOWN = 10
OUT_OF_TOUCH_SHOWN = 10


@login_required
@permission_required("crm.view_client", raise_exception=True)
def client_list(request):
    """The clients the user serves (managers: all), filtered by kind, owner and search."""
    filters = ClientPageFilterSet(
        request.GET or None,
        queryset=selectors.client_list(user=request.user).order_by("name", "id"),
    )
    page = BoundedCountPaginator(
        filters.valid_qs(),
        CLIENTS_PER_PAGE,
        count_limit=settings.PORTRAIT_CRM["QUEUE_COUNT_LIMIT"],
        page_number=request.GET.get("page"),
    ).requested_page()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": filters.form,
        "page": page,
        "query": query.urlencode(),
        "overdue": negotiations_overdue_for_user(request.user)[:OVERDUE_SHOWN],
        "out_of_touch": out_of_touch_rows(clients_out_of_touch_for_user(request.user))[
            :OUT_OF_TOUCH_SHOWN
        ],
        "no_contact_days": no_contact_days(),
    }
    return render(request, "crm/client_list.html", context)


@login_required
@permission_required("crm.view_client", raise_exception=True)
def client_detail(request, pk: int):
    """A client: kind, contacts, contracts with their clauses, and a timeline of its feedback,
    delays and negotiations; whether anyone has been in touch lately, its rating trend."""
    client = get_object_or_404(selectors.client_detail(user=request.user), pk=pk)
    user = request.user
    feedback = with_countdowns(client_feedback(client))
    ratings = rating_report(user=user, by="client", client=client)
    context = {
        "client": client,
        "leads": selectors.client_leads(client=client),
        "decisions": selectors.client_decisions(client=client),
        "timeline": client_timeline(
            feedback=feedback,
            delays=delays_with_history(client_delays(client)),
            negotiations=client.negotiations.all(),
        ),
        "out_of_touch": out_of_touch_rows(
            clients_out_of_touch(Client.objects.filter(pk=client.pk))
        ),
        "no_contact_days": no_contact_days(),
        "ratings": ratings,
        "rating_spark": rating_sparkline(ratings.overall),
        "next": request.get_full_path(),
        **feedback_abilities(user),
    }
    return render(request, "crm/client_detail.html", context)


@login_required
def contract_sign_page(request, lead_pk: int):
    """Sign a contract for an interesting lead; the client page opens after."""
    lead = get_object_or_404(leads_visible(user=request.user), pk=lead_pk)
    if not lead_can_sign(lead=lead, user=request.user):
        raise PermissionDenied(_("You may not sign contracts for this lead."))
    if lead.stage not in SIGNABLE_STAGES:
        messages.error(
            request,
            _("Only a lead decided interesting can sign; this one is %(stage)s.")
            % {"stage": lead.get_stage_display()},
        )
        return redirect("qualification:lead", pk=lead.pk)
    form = ContractSignForm(
        request.POST if request.method == "POST" else None,
        initial={"currency": settings.PORTRAIT_CRM["CURRENCY"]},
    )
    if request.method == "POST" and form.is_valid():
        data, clauses = form.signing()
        try:
            contract, _created = contract_sign(
                lead=lead, user=request.user, data=data, clauses=clauses
            )
        except ValidationError as error:
            for field, refusals in error.message_dict.items():
                form.add_error(field if field in form.fields else None, refusals)
        else:
            messages.success(
                request,
                _("Contract %(number)s signed: %(client)s is our client.")
                % {"number": contract.number, "client": contract.client},
            )
            return redirect("crm:client", pk=contract.client_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/contract_sign.html", {"lead": lead, "form": form}, status=status)
