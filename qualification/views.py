"""Pages for people: the qualification queue, a lead, the funnel dashboard.

Thin views: visibility comes from the lead selectors, figures from the funnel
selectors, writes from the decision services.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.pagination import BoundedCountPaginator
from portrait.criteria.wording import value_html
from portrait.selectors import portrait_acknowledgement_share, portrait_get_published
from qualification.charts import funnel_bars, percent_of, plan_bar
from qualification.decisions.selectors import decisions_for_lead, rejection_reasons_active
from qualification.decisions.services import lead_can_decide, lead_decide
from qualification.evaluation.explain import lead_explanation_for_people
from qualification.filtersets import LeadQueueFilterSet
from qualification.forms import DecisionForm, LeadLossForm
from qualification.funnel.alerts import alerts_for_user
from qualification.funnel.figures import segment_lead_counts
from qualification.funnel.segment_coverage import segment_coverage
from qualification.funnel.summary import funnel_figures
from qualification.imports.reading import DELIMITER_LABELS, ENCODING_LABELS
from qualification.imports.services import lead_imports_for_user
from qualification.lead_actions import lead_page_actions
from qualification.leads import selectors
from qualification.leads.loss import lead_can_lose, lead_lose
from qualification.models import Lead, LeadImportState
from qualification.permissions import QUALIFY, user_can_see_figures
from qualification.ranking import estimated_value_note, size_factors_text


def home(request):
    return redirect("qualification:queue")


@login_required
@permission_required("qualification.view_lead", raise_exception=True)
def queue(request):
    """The leads the user may see, best fit and newest first, filtered and paginated."""
    filters = LeadQueueFilterSet(
        request.GET or None, queryset=selectors.lead_queue(user=request.user), request=request
    )
    page = BoundedCountPaginator(
        filters.queue_qs(),
        filters.leads_per_page(),
        count_limit=settings.PORTRAIT_CRM["QUEUE_COUNT_LIMIT"],
        page_number=request.GET.get("page"),
    ).requested_page()
    query = request.GET.copy()
    query.pop("page", None)
    may_decide = request.user.has_perm(QUALIFY)
    rows = [
        {
            "lead": lead,
            "can_decide": may_decide and lead_can_decide(lead=lead, user=request.user),
            "value_note": estimated_value_note(
                average_deal_value=lead.segment.average_deal_value if lead.segment else None,
                employees=lead.employees,
            ),
        }
        for lead in page.object_list
    ]
    return render(
        request,
        "qualification/queue.html",
        {
            "form": filters.form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "reason_codes": rejection_reasons_active() if may_decide else [],
            "size_factors": size_factors_text(),
        },
    )


def _visible_lead(request, pk: int) -> Lead:
    return get_object_or_404(selectors.lead_page(user=request.user), pk=pk)


def _is_fetch(request) -> bool:
    """A decision sent by the pages' script, which wants a fragment rather than a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def _render_lead(request, lead: Lead, form: DecisionForm | None, *, status: int = 200):
    can_decide = lead_can_decide(lead=lead, user=request.user)
    if can_decide and form is None:
        form = DecisionForm()
    context = {
        "lead": lead,
        "actions": lead_page_actions(lead=lead, user=request.user),
        "explanation": lead_explanation_for_people(lead),
        "industry_html": value_html(lead.industry, "industry"),
        "decisions": decisions_for_lead(lead),
        "can_decide": can_decide,
        "form": form if can_decide else None,
        "reason_codes": rejection_reasons_active() if can_decide else [],
        "next_lead": (
            selectors.lead_next_in_queue(lead=lead, user=request.user) if can_decide else None
        ),
    }
    return render(request, "qualification/lead_detail.html", context, status=status)


@login_required
@permission_required("qualification.view_lead", raise_exception=True)
def lead_detail(request, pk: int):
    """A lead's evaluation explained, its decision history, and the decision form if allowed."""
    return _render_lead(request, _visible_lead(request, pk), None)


@login_required
@require_POST
def lead_decision(request, pk: int):
    """Record a decision through ``lead_decide``; anyone who may not decide gets 403."""
    if not request.user.has_perm(QUALIFY):
        raise PermissionDenied(_("You may not decide on leads."))
    lead = _visible_lead(request, pk)
    if not lead_can_decide(lead=lead, user=request.user):
        raise PermissionDenied(_("You may not decide on this lead."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = lead_decide(
                lead=lead,
                user=request.user,
                verdict=form.cleaned_data["verdict"],
                reason=form.cleaned_data["reason"],
                reason_code=form.cleaned_data["reason_code"],
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            recorded = _("Decision recorded: %(lead)s is %(verdict)s.") % {
                "lead": lead,
                "verdict": decision.get_verdict_display(),
            }
            if _is_fetch(request):
                # The lead page opens the next lead at once and tells it there.
                if request.POST.get("open_next"):
                    messages.success(request, recorded)
                return render(
                    request,
                    "qualification/_decided.html",
                    {
                        "message": recorded,
                        "lead": lead,
                        "next_lead": selectors.lead_next_in_queue(lead=lead, user=request.user),
                    },
                )
            messages.success(request, recorded)
            following = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(
                following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(following)
            return redirect("qualification:lead", pk=lead.pk)
    if _is_fetch(request):
        return render(request, "qualification/_decision_errors.html", {"form": form}, status=400)
    return _render_lead(request, lead, form, status=400)


@login_required
def lead_lost(request, pk: int):
    """Mark a qualified lead lost through ``lead_lose``; anyone who may not gets 403."""
    lead = _visible_lead(request, pk)
    if not lead_can_lose(lead=lead, user=request.user):
        raise PermissionDenied(_("You may not mark this lead lost."))
    form = LeadLossForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            lead_lose(lead=lead, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, _("%(lead)s is marked lost.") % {"lead": lead})
            return redirect("qualification:lead", pk=lead.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "qualification/lead_lost.html", {"lead": lead, "form": form}, status=status
    )


@login_required
def dashboard(request):
    """The funnel's guards: the funnel, conversion, plans against pool and actuals, override
    rates, alerts, and each segment's coverage.
    """
    user = request.user
    if not user_can_see_figures(user):
        raise PermissionDenied(_("You may not see the funnel's figures."))
    figures = funnel_figures(user=user)
    published = portrait_get_published()
    context = {
        "sees_all": figures.sees_all,
        "pool": figures.pool,
        "conversion": figures.conversion,
        "conversion_percent": (figures.pool.conversion_rate * 100).quantize(Decimal("0.1")),
        "window_months": settings.PORTRAIT_CRM["CONVERSION_WINDOW_MONTHS"],
        "funnel": _funnel_chart(figures.stages),
        "plans": [
            {
                "coverage": coverage,
                "percent": int(coverage.contracts_coverage * 100),
                "bar": plan_bar(
                    signed=coverage.actual.contracts,
                    expected=coverage.figures.expected_contracts,
                    target=coverage.plan.target_contracts,
                ),
            }
            for coverage in figures.plans
        ],
        "salespeople": figures.salespeople,
        "threshold_percent": int(figures.override_rate_threshold * 100),
        "portrait": published,
        "segments": _segment_rows(published, user, sees_all=figures.sees_all),
        "alerts": alerts_for_user(user).filter(resolved_at__isnull=True)[:20],
        "acknowledgements": portrait_acknowledgement_share(published) if published else None,
    }
    return render(request, "qualification/dashboard.html", context)


def _funnel_chart(stages) -> list:
    return funnel_bars(
        [
            ("leads", _("Leads"), stages.leads),
            ("evaluated", _("Evaluated"), stages.evaluated),
            ("interesting", _("Decided interesting"), stages.interesting),
            ("contracted", _("Contracted"), stages.contracted),
        ],
        branches=(("lost", _("Lost"), stages.lost, "interesting"),),
    )


def _segment_rows(published, user, *, sees_all: bool) -> list[dict]:
    """Managers: each segment's coverage of its market; salespeople: their leads per segment."""
    if published is None:
        return []
    if sees_all:
        rows = segment_coverage(portrait=published)
        most = max((row.leads for row in rows), default=0)
        return [
            {
                "segment": row.segment,
                "coverage": row,
                "leads": row.leads,
                "width": percent_of(row.leads, most),
            }
            for row in rows
        ]
    counts = segment_lead_counts(portrait=published, user=user)
    most = max((count for _segment, count in counts), default=0)
    return [
        {"segment": segment, "leads": count, "width": percent_of(count, most)}
        for segment, count in counts
    ]


@login_required
@permission_required("qualification.import_lead", raise_exception=True)
def lead_imports(request):
    """Upload a file of leads and watch its import; the recent imports with their rejects.

    The page posts the file to the API (``/api/v1/lead-imports/``) and polls the job: the
    same operation, rules and permissions as for an outside system.
    """
    context = {
        "jobs": lead_imports_for_user(request.user).select_related("requested_by")[:20],
        "encodings": ENCODING_LABELS.items(),
        "delimiters": DELIMITER_LABELS.items(),
        "labels": {
            "api": reverse("v1:lead-import-list"),
            "states": {state.value: str(state.label) for state in LeadImportState},
            "uploading": _("Uploading the file… %(percent)s%%"),
            "title": _("Importing %(file)s into %(source)s"),
            "queued": _("Waiting for a worker."),
            "counts": _(
                "%(rows)s of %(total)s rows read: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged, %(rejected)s rejected."
            ),
            "speed": _("%(rate)s rows per second; about %(left)s left."),
            "rate": _("%(rate)s rows per second."),
            "hours": _("%(hours)s h %(minutes)s min"),
            "minutes": _("%(minutes)s min %(seconds)s s"),
            "seconds": _("%(seconds)s s"),
            "unreachable": _("The server cannot be reached; the import goes on. Trying again…"),
            "failed": _("The upload failed."),
            "confirm": _("Stop this import? The rows written so far stay written."),
        },
    }
    return render(request, "qualification/imports.html", context)
