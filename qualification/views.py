"""Pages for people: the qualification queue, a lead, the funnel dashboard, the portrait.

Thin views: visibility comes from ``Lead.objects.for_user``, figures from the funnel
selectors, writes from the decision and acknowledgement services.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.pagination import BoundedCountPaginator
from portrait.choices import DocumentStatus
from portrait.models import PortraitAcknowledgement, Segment
from portrait.selectors import portrait_get_published
from portrait.services import portrait_acknowledge
from qualification.decisions.selectors import decisions_for_lead
from qualification.decisions.services import lead_can_decide, lead_decide
from qualification.evaluation.explain import lead_explain
from qualification.forms import DecisionForm, LeadFilterForm
from qualification.funnel.alerts import alerts_for_user
from qualification.funnel.figures import funnel_figures, segment_lead_counts
from qualification.models import Lead
from qualification.permissions import QUALIFY, user_can_see_figures


def _operator_labels() -> dict[str, str]:
    return {
        "eq": "=",
        "ne": "≠",
        "lt": "<",
        "lte": "≤",
        "gt": ">",
        "gte": "≥",
        "in": _("is one of"),
        "not_in": _("is none of"),
        "between": _("is between"),
        "contains": _("contains"),
        "icontains": _("contains, ignoring case"),
        "startswith": _("starts with"),
        "is_null": _("is empty"),
    }


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_shown(item) for item in value)
    if value is None:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


def condition_text(condition: dict) -> str:
    """One condition as a sentence: ``employees ≥ 50``, ``country is one of UA, PL``."""
    op = condition.get("op")
    label = _operator_labels().get(op, op)
    if op == "is_null":
        state = label if condition.get("value") else _("is filled in")
        return _("%(field)s %(state)s") % {"field": condition.get("field"), "state": state}
    value = condition.get("value")
    if op == "between" and isinstance(value, list | tuple) and len(value) == 2:
        return _("%(field)s is between %(low)s and %(high)s") % {
            "field": condition.get("field"),
            "low": _shown(value[0]),
            "high": _shown(value[1]),
        }
    return _("%(field)s %(operator)s %(value)s") % {
        "field": condition.get("field"),
        "operator": label,
        "value": _shown(value),
    }


def criteria_lines(tree, depth: int = 0) -> list[dict]:
    """A criteria rule as indented lines a person reads: groups, negations, conditions."""
    if not isinstance(tree, dict):
        return [{"depth": depth, "text": _shown(tree)}]
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        heading = _("all of:") if key == "all" else _("any of:")
        lines = [{"depth": depth, "text": heading, "is_group": True}]
        for child in tree[key] or []:
            lines.extend(criteria_lines(child, depth + 1))
        return lines
    if "not" in tree:
        return [
            {"depth": depth, "text": _("not:"), "is_group": True},
            *criteria_lines(tree["not"], depth + 1),
        ]
    return [{"depth": depth, "text": condition_text(tree)}]


def home(request):
    return redirect("qualification:queue")


@login_required
@permission_required("qualification.view_lead", raise_exception=True)
def queue(request):
    """The leads the user may see, best fit and newest first, filtered and paginated."""
    segments = Segment.objects.filter(portrait__status=DocumentStatus.PUBLISHED)
    form = LeadFilterForm(request.GET or None, segments=segments.order_by("priority", "id"))
    leads = Lead.objects.for_user(request.user).select_related("segment", "owner").in_queue_order()
    leads = form.filter(leads)
    page = BoundedCountPaginator(
        leads,
        form.leads_per_page(),
        count_limit=settings.PORTRAIT_CRM["QUEUE_COUNT_LIMIT"],
        page_number=request.GET.get("page"),
    ).requested_page()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "qualification/queue.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _visible_lead(request, pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.for_user(request.user).select_related(
            "segment", "owner", "evaluated_portrait"
        ),
        pk=pk,
    )


def _explanation_rows(explanation: dict) -> dict:
    for kind in ("segments", "exclusions"):
        for rule in explanation.get(kind, []):
            for condition in rule["conditions"]:
                condition["text"] = condition_text(condition)
                condition["actual_shown"] = _shown(condition.get("actual"))
    return explanation


def _render_lead(request, lead: Lead, form: DecisionForm | None, *, status: int = 200):
    can_decide = lead_can_decide(lead=lead, user=request.user)
    if can_decide and form is None:
        form = DecisionForm()
    context = {
        "lead": lead,
        "explanation": _explanation_rows(lead_explain(lead)),
        "decisions": decisions_for_lead(lead),
        "can_decide": can_decide,
        "form": form if can_decide else None,
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
            messages.success(
                request,
                _("Decision recorded: %(lead)s is %(verdict)s.")
                % {"lead": lead, "verdict": decision.get_verdict_display()},
            )
            return redirect("qualification:lead", pk=lead.pk)
    return _render_lead(request, lead, form, status=400)


def _percent(value, maximum) -> int:
    if not maximum:
        return 0
    return max(0, min(100, int(Decimal(value) * 100 / Decimal(maximum))))


@login_required
def dashboard(request):
    """The funnel's guards: pool, conversion, plan coverage, override rates, alerts, segments."""
    user = request.user
    if not user_can_see_figures(user):
        raise PermissionDenied(_("You may not see the funnel's figures."))
    figures = funnel_figures(user=user)
    pool, threshold = figures.pool, figures.override_rate_threshold
    plans = []
    for coverage in figures.plans:
        scale = max(coverage.figures.expected_contracts, coverage.plan.target_contracts, 1)
        plans.append(
            {
                "coverage": coverage,
                "percent": int(coverage.contracts_coverage * 100),
                "expected_width": _percent(coverage.figures.expected_contracts, scale),
                "target_width": _percent(coverage.plan.target_contracts, scale),
            }
        )
    published = portrait_get_published()
    segments = []
    if published is not None:
        counts = segment_lead_counts(portrait=published, user=user)
        most = max((count for _segment, count in counts), default=0)
        for segment, count in counts:
            segments.append({"segment": segment, "leads": count, "width": _percent(count, most)})
    alerts = alerts_for_user(user).filter(resolved_at__isnull=True)[:20]
    context = {
        "sees_all": figures.sees_all,
        "pool": pool,
        "conversion_percent": (pool.conversion_rate * 100).quantize(Decimal("0.1")),
        "plans": plans,
        "salespeople": figures.salespeople,
        "threshold_percent": int(threshold * 100),
        "portrait": published,
        "segments": segments,
        "alerts": alerts,
    }
    return render(request, "qualification/dashboard.html", context)


@login_required
@permission_required("portrait.view_portrait", raise_exception=True)
def portrait(request):
    """The published portrait for every employee, and whether the user acknowledged it."""
    published = portrait_get_published()
    acknowledgement = None
    segments, exclusions = [], []
    if published is not None:
        acknowledgement = PortraitAcknowledgement.objects.filter(
            document=published, user=request.user
        ).first()
        segments = [
            {"segment": segment, "lines": criteria_lines(segment.criteria)}
            for segment in published.segments.all()
        ]
        exclusions = [
            {"exclusion": exclusion, "lines": criteria_lines(exclusion.criteria)}
            for exclusion in published.exclusions.all()
        ]
    context = {
        "portrait": published,
        "segments": segments,
        "exclusions": exclusions,
        "acknowledgement": acknowledgement,
        "is_acknowledged": bool(acknowledgement and acknowledgement.acknowledged_at),
        "can_acknowledge": request.user.has_perm("portrait.acknowledge_portrait"),
    }
    return render(request, "qualification/portrait.html", context)


@login_required
@require_POST
@permission_required("portrait.acknowledge_portrait", raise_exception=True)
def portrait_acknowledge_view(request):
    """'I have read it': acknowledge the published portrait through the service."""
    published = portrait_get_published()
    if published is None:
        messages.error(request, _("No portrait is published yet."))
    else:
        portrait_acknowledge(portrait=published, user=request.user)
        messages.success(
            request,
            _("Thank you: you acknowledged version %(version)s of the portrait.")
            % {"version": published.version},
        )
    return redirect("qualification:portrait")
