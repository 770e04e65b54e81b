"""The funnel's guards through the API: evaluation runs, reason codes, plans, figures, alerts.

Views stay thin: visibility comes from the selectors (``sales_plans_for_user``,
``alerts_for_user``), writes go through the services, permissions per action from the
table of each viewset.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from portrait.selectors import portrait_get_published
from qualification.api.serializers import decisions, funnel
from qualification.evaluation.runs import evaluation_run_resume
from qualification.funnel.alerts import alert_resolve, alerts_for_user
from qualification.funnel.conversion import DIMENSIONS, conversion_by
from qualification.funnel.plan_coverage import plan_coverage
from qualification.funnel.plans import sales_plan_create, sales_plan_update, sales_plans_for_user
from qualification.funnel.segment_coverage import segment_coverage
from qualification.funnel.summary import funnel_figures
from qualification.models import EvaluationRun, RejectionReason
from qualification.permissions import FIGURES_READERS, VIEW_FIGURES

_READ_ONLY = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


class EvaluationRunViewSet(*_READ_ONLY, ActionViewSet):
    """Progress of bulk re-evaluations; admins may resume a run that stopped."""

    queryset = EvaluationRun.objects.select_related("portrait")
    serializer_class = funnel.EvaluationRunSerializer
    action_permissions = {
        "list": requires("qualification.view_evaluationrun"),
        "retrieve": requires("qualification.view_evaluationrun"),
        "resume": requires(
            "qualification.view_evaluationrun", "qualification.change_evaluationrun"
        ),
    }

    @extend_schema(request=None, responses={202: funnel.EvaluationRunSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        run = evaluation_run_resume(run=self.get_object())
        return Response(funnel.EvaluationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RejectionReasonViewSet(*_READ_ONLY, ActionViewSet):
    """The managed list of reason codes for rejecting a suggested-interesting lead."""

    queryset = RejectionReason.objects.filter(is_active=True)
    serializer_class = decisions.RejectionReasonSerializer
    lookup_field = "code"
    action_permissions = {
        "list": requires("qualification.view_rejectionreason"),
        "retrieve": requires("qualification.view_rejectionreason"),
    }


class SalesPlanViewSet(
    *_READ_ONLY,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ActionViewSet,
):
    """Targets per period: managers and admins write; salespeople read their own."""

    serializer_class = funnel.SalesPlanSerializer
    action_permissions = {
        "list": requires("qualification.view_salesplan"),
        "retrieve": requires("qualification.view_salesplan"),
        "coverage": requires("qualification.view_salesplan"),
        "create": requires(VIEW_FIGURES, "qualification.add_salesplan"),
        "update": requires(VIEW_FIGURES, "qualification.change_salesplan"),
        "partial_update": requires(VIEW_FIGURES, "qualification.change_salesplan"),
        "destroy": requires(VIEW_FIGURES, "qualification.delete_salesplan"),
    }

    def visible_queryset(self):
        return sales_plans_for_user(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = sales_plan_create(data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = sales_plan_update(
            plan=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses=funnel.PlanCoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        coverage = plan_coverage(plan=self.get_object())
        return Response(funnel.PlanCoverageSerializer(coverage).data)


class FunnelFiguresViewSet(ActionViewSet):
    """Pool, conversion, funnel stages, plans in force, per-salesperson figures, coverage.

    Managers and admins see everyone; a salesperson sees their own pool, stages, plans
    and row. Conversion broken down and coverage per segment are company figures.
    """

    serializer_class = funnel.FunnelFiguresSerializer
    # Figures and short lists, not rows to filter or page through.
    filter_backends: list = []
    pagination_class = None
    action_permissions = {
        "figures": FIGURES_READERS,
        "conversion": requires(VIEW_FIGURES),
        "coverage": requires(VIEW_FIGURES),
    }

    @extend_schema(responses=funnel.FunnelFiguresSerializer)
    def figures(self, request):
        return Response(funnel.FunnelFiguresSerializer(funnel_figures(user=request.user)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "by",
                OpenApiTypes.STR,
                enum=sorted(DIMENSIONS),
                required=True,
                description=_(
                    "Break the window's conversion down by segment, salesperson or month."
                ),
            )
        ],
        responses=funnel.ConversionRowSerializer(many=True),
    )
    def conversion(self, request):
        dimension = request.query_params.get("by")
        if dimension not in DIMENSIONS:
            raise exceptions.ValidationError(
                {
                    "by": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(sorted(DIMENSIONS))}
                    ]
                }
            )
        rows = [
            {
                "key": key.date().isoformat() if hasattr(key, "date") else key,
                "rate": measured.rate,
                "contracted": measured.contracted,
                "decided_interesting": measured.decided_interesting,
                "is_measured": measured.is_measured,
            }
            for key, measured in conversion_by(dimension=dimension).items()
        ]
        return Response(funnel.ConversionRowSerializer(rows, many=True).data)

    @extend_schema(responses=funnel.SegmentCoverageSerializer(many=True))
    def coverage(self, request):
        published = portrait_get_published()
        rows = segment_coverage(portrait=published) if published is not None else []
        return Response(funnel.SegmentCoverageSerializer(rows, many=True).data)


class AlertViewSet(*_READ_ONLY, ActionViewSet):
    """Recorded alerts: everyone's for managers and admins, a salesperson's own."""

    serializer_class = funnel.AlertSerializer
    action_permissions = {
        "list": FIGURES_READERS,
        "retrieve": FIGURES_READERS,
        "resolve": requires(VIEW_FIGURES, "qualification.change_alert"),
    }

    def visible_queryset(self):
        return alerts_for_user(self.request.user)

    @extend_schema(request=None, responses=funnel.AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        alert = alert_resolve(alert=self.get_object())
        return Response(funnel.AlertSerializer(alert).data)
