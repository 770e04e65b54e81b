"""Admin for evaluations, decisions, plans and alerts."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from qualification.evaluation.runs import evaluation_run_resume
from qualification.funnel import figures
from qualification.funnel.alerts import alert_resolve, alerts_check_on_change
from qualification.funnel.plan_coverage import PlanCoverage, plan_coverage, plans_coverage
from qualification.models import (
    Alert,
    Decision,
    EvaluationChunk,
    EvaluationRun,
    RejectionReason,
    SalesPlan,
)
from qualification.models.decisions import DECISION_FIELDS


class EvaluationChunkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EvaluationChunk
    fields = ("lower_id", "upper_id", "done_at", "updated_rows")
    readonly_fields = fields
    extra = 0


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "portrait",
        "status",
        "progress",
        "lead_count",
        "created_at",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("portrait",)
    readonly_fields = (
        "portrait",
        "status",
        "total_chunks",
        "done_chunks",
        "lead_count",
        "created_at",
        "started_at",
        "finished_at",
    )
    inlines = [EvaluationChunkInline]
    actions = ["resume_runs"]

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, run: EvaluationRun) -> str:
        return f"{run.done_chunks}/{run.total_chunks} ({run.percent_done}%)"

    @admin.action(
        description=gettext_lazy("Resume the selected runs (undone chunks only)"),
        permissions=["resume"],
    )
    def resume_runs(self, request, queryset):
        for run in queryset:
            evaluation_run_resume(run=run)
        self.message_user(
            request,
            ngettext("%(count)d run resumed.", "%(count)d runs resumed.", len(queryset))
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def has_resume_permission(self, request) -> bool:
        return request.user.has_perm("qualification.change_evaluationrun")


@admin.register(RejectionReason)
class RejectionReasonAdmin(SimpleHistoryAdmin):
    list_display = ("code", "label", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "label")

    def has_delete_permission(self, request, obj=None):
        # Decisions keep their reason: retire a code instead of deleting it.
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "lead",
        "verdict",
        "suggested_verdict",
        "is_override",
        "reason_code",
        "decided_by",
        "decided_at",
        "is_current",
    )
    list_filter = ("verdict", "is_override", "is_current", "reason_code")
    list_select_related = ("lead", "reason_code", "decided_by")
    search_fields = ("lead__company_name", "decided_by__username", "reason")
    readonly_fields = DECISION_FIELDS


@admin.register(SalesPlan)
class SalesPlanAdmin(SimpleHistoryAdmin):
    """Plans with their figures: pool, expected contracts and coverage of the target."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A target moved: the plan's coverage alert may open or close.
        alerts_check_on_change()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        alerts_check_on_change()

    list_display = (
        "__str__",
        "period_start",
        "period_end",
        "target_contracts",
        "target_revenue",
        "signed",
        "pool",
        "expected_contracts",
        "coverage",
    )
    list_select_related = ("team", "salesperson")
    raw_id_fields = ("salesperson",)
    change_list_template = "admin/qualification/salesplan/change_list.html"

    @staticmethod
    def _conversion_rate(request):
        # Once per request: the rate is the same for each row.
        if not hasattr(request, "_funnel_conversion_rate"):
            request._funnel_conversion_rate = figures.conversion_rate()
        return request._funnel_conversion_rate

    @staticmethod
    def _coverage(plan: SalesPlan) -> PlanCoverage:
        # Computed once per row, for the three figure columns.
        if not hasattr(plan, "_funnel_coverage"):
            plan._funnel_coverage = plan_coverage(plan=plan)
        return plan._funnel_coverage

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rate = self._conversion_rate(request)
        # Every row's figures at once: a query per row would grow with the page.
        page = list(changelist.result_list)
        for coverage in plans_coverage(page, rate=rate):
            coverage.plan._funnel_coverage = coverage
        return changelist

    def changelist_view(self, request, extra_context=None):
        rows = []
        if request.user.has_perm("qualification.view_funnel_figures"):
            rows = figures.salespeople_figures()
        extra_context = {
            **(extra_context or {}),
            "funnel_pool": figures.pool_figures(rate=self._conversion_rate(request)),
            "funnel_salespeople": rows,
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=gettext_lazy("signed"))
    def signed(self, plan: SalesPlan) -> str:
        actual = self._coverage(plan).actual
        return f"{actual.contracts} · {actual.value}"

    @admin.display(description=gettext_lazy("pool"))
    def pool(self, plan: SalesPlan) -> int:
        return self._coverage(plan).figures.pool

    @admin.display(description=gettext_lazy("expected contracts"))
    def expected_contracts(self, plan: SalesPlan):
        return self._coverage(plan).figures.expected_contracts

    @admin.display(description=gettext_lazy("coverage"), boolean=False)
    def coverage(self, plan: SalesPlan) -> str:
        coverage = self._coverage(plan)
        return f"{coverage.contracts_coverage * 100:.0f}%"


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("message", "kind", "plan", "salesperson", "created_at", "sent_at", "is_open")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("plan", "salesperson")
    readonly_fields = ("kind", "plan", "salesperson", "message", "created_at", "sent_at")
    fields = (*readonly_fields, "resolved_at")
    actions = ["resolve_alerts"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("open"), boolean=True)
    def is_open(self, alert: Alert) -> bool:
        return alert.is_open

    @admin.action(
        description=gettext_lazy("Mark the selected alerts resolved"), permissions=["change"]
    )
    def resolve_alerts(self, request, queryset):
        for alert in queryset:
            alert_resolve(alert=alert)
        self.message_user(request, _("Alerts resolved."), messages.SUCCESS)
