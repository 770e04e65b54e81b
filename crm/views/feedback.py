"""Pages of listening: the feedback queue, recording feedback and delays, the first response
and the resolution, a negotiation opened from an item.

Thin views: visibility from the feedback selectors, writes through the services, the
time left from ``crm.feedback.countdown``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.pagination import BoundedCountPaginator
from crm.clients.selectors import client_has_mail_contact, clients_for_user
from crm.clients.timeline import latest_per_reference
from crm.contracts.selectors import contracts_for_user
from crm.feedback.countdown import countdown
from crm.feedback.delays import delay_record
from crm.feedback.selectors import (
    delays_recent,
    feedback_for_user,
    feedback_overdue,
    feedback_queue,
)
from crm.feedback.services import feedback_acknowledge, feedback_record, feedback_resolve
from crm.filtersets import FeedbackPageFilterSet
from crm.forms import DelayForm, FeedbackForm, NegotiationFromFeedbackForm
from crm.negotiations.services import negotiation_open
from crm.rules.selectors import service_calendar

FEEDBACK_PER_PAGE = 25
DELAYS_SHOWN = 8
# The latest postponement of each reference is shown: read enough for the eight shown.
DELAYS_READ = 40
READ, RECORD, ANSWER = "crm.view_feedback", "crm.add_feedback", "crm.change_feedback"


def with_countdowns(items, *, now=None) -> list:
    """``items`` with ``countdown``: the service time left to (or past) the next deadline."""
    now = now or timezone.now()
    items = list(items)
    for item in items:
        item.countdown = countdown(
            status=item.status,
            response_due=item.response_due,
            resolution_due=item.resolution_due,
            calendar=service_calendar(item.rules) if item.rules_id else None,
            now=now,
        )
    return items


@login_required
@permission_required(READ, raise_exception=True)
def queue(request):
    """The feedback the user answers: the most overdue first, then the nearest deadline."""
    # The queue is what waits for an answer unless the reader asks for resolved items too.
    data = request.GET.copy()
    data.setdefault("resolved", "false")
    filters = FeedbackPageFilterSet(data, queryset=feedback_queue(request.user))
    page = BoundedCountPaginator(
        filters.valid_qs(),
        FEEDBACK_PER_PAGE,
        count_limit=settings.PORTRAIT_CRM["QUEUE_COUNT_LIMIT"],
        page_number=request.GET.get("page"),
    ).requested_page()
    page.object_list = with_countdowns(page.object_list)
    query = data.copy()
    query.pop("page", None)
    context = {
        "form": filters.form,
        "page": page,
        "query": query.urlencode(),
        "overdue_count": feedback_overdue(feedback_for_user(request.user)).count(),
        "delays": latest_per_reference(delays_recent(request.user)[:DELAYS_READ])[:DELAYS_SHOWN],
        **feedback_abilities(request.user),
    }
    return render(request, "crm/feedback_queue.html", context)


def feedback_abilities(user) -> dict:
    """Which of the feedback buttons and links ``user`` is shown."""
    return {
        "can_record": user.has_perms([READ, RECORD]),
        "can_record_delay": user.has_perms(["crm.view_delay", "crm.add_delay"]),
        "can_answer": user.has_perm(ANSWER),
        "can_negotiate": user.has_perm("crm.add_negotiation"),
    }


@login_required
@permission_required([READ, RECORD], raise_exception=True)
def feedback_new(request):
    """Record what a client told us; the deadlines follow from the rules in force."""
    clients = clients_for_user(request.user).order_by("name", "id")
    form = FeedbackForm(
        request.POST if request.method == "POST" else None,
        clients=clients,
        initial={"client": request.GET.get("client")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            feedback, _created = feedback_record(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _recorded_message(feedback))
            return _back(request, reverse("crm:feedback"))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "crm/feedback_form.html",
        {"form": form, "next": _next(request)},
        status=status,
    )


def _recorded_message(feedback) -> str:
    if feedback.response_due is None:
        return _("Feedback recorded for %(client)s.") % {"client": feedback.client}
    return _("Feedback recorded for %(client)s: first response due %(due)s.") % {
        "client": feedback.client,
        "due": timezone.localtime(feedback.response_due).strftime("%Y-%m-%d %H:%M"),
    }


def _visible(request, pk: int):
    return get_object_or_404(feedback_for_user(request.user).select_related("client"), pk=pk)


@login_required
@require_POST
@permission_required([READ, ANSWER], raise_exception=True)
def feedback_acknowledge_page(request, pk: int):
    """The first response to the client, through ``feedback_acknowledge``."""
    feedback = _visible(request, pk)
    try:
        feedback_acknowledge(feedback=feedback, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Acknowledged: %(client)s has its first response.") % {"client": feedback.client},
        )
    return _back(request, reverse("crm:feedback"))


@login_required
@require_POST
@permission_required([READ, ANSWER], raise_exception=True)
def feedback_resolve_page(request, pk: int):
    """The matter is resolved, through ``feedback_resolve``."""
    feedback = _visible(request, pk)
    try:
        feedback_resolve(feedback=feedback, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Resolved: %(client)s.") % {"client": feedback.client})
    return _back(request, reverse("crm:feedback"))


@login_required
@permission_required(READ, raise_exception=True)
def feedback_negotiate(request, pk: int):
    """Open a negotiation from a feedback item; the client page shows both, linked."""
    feedback = _visible(request, pk)
    if not request.user.has_perm("crm.add_negotiation"):
        raise PermissionDenied(_("You may not negotiate with this client."))
    form = NegotiationFromFeedbackForm(
        request.POST if request.method == "POST" else None,
        contracts=contracts_for_user(request.user).filter(client=feedback.client_id),
        initial={"question": feedback.text},
    )
    if request.method == "POST" and form.is_valid():
        try:
            negotiation = negotiation_open(
                user=request.user, client=feedback.client, feedback=feedback, **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Negotiation opened with %(client)s.") % {"client": feedback.client}
            )
            url = reverse("crm:client", args=[feedback.client_id])
            return redirect(f"{url}#negotiation-{negotiation.pk}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "crm/negotiation_form.html",
        {"form": form, "feedback": feedback},
        status=status,
    )


@login_required
@permission_required(["crm.view_delay", "crm.add_delay"], raise_exception=True)
def delay_new(request):
    """Tell a client at once that something will be late; the owner hears of it too."""
    clients = clients_for_user(request.user).order_by("name", "id")
    form = DelayForm(
        request.POST if request.method == "POST" else None,
        clients=clients,
        initial={"client": request.GET.get("client")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            delay = delay_record(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            said = {"reference": delay.reference, "number": delay.postponement}
            if client_has_mail_contact(delay.client):
                messages.success(
                    request,
                    _(
                        "Delay recorded: %(reference)s, postponement %(number)s; the client's "
                        "contacts are told by e-mail."
                    )
                    % said,
                )
            else:
                messages.warning(
                    request,
                    _(
                        "Delay recorded: %(reference)s, postponement %(number)s. The client has "
                        "no contact with an e-mail: tell them yourself."
                    )
                    % said,
                )
            return _back(request, reverse("crm:client", args=[delay.client_id]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "crm/delay_form.html", {"form": form, "next": _next(request)}, status=status
    )


def _form_errors(form, error: ValidationError) -> None:
    for field, refusals in error.message_dict.items():
        form.add_error(field if field in form.fields else None, refusals)


def _next(request) -> str:
    """Where to go back to after a write: a page of this site only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


def _back(request, default: str):
    return redirect(_next(request) or default)
