"""The funnel's API: decisions, evaluation runs, sales plans, figures, alerts, reasons.

Views stay thin: visibility comes from the selectors (``Lead.objects.for_user``,
``sales_plans_for_user``, ``alerts_for_user``), writes go through the services.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from qualification.api import funnel_serializers as serializers
from qualification.decisions.selectors import decisions_for_lead
from qualification.decisions.services import lead_decide
from qualification.evaluation.runs import evaluation_run_resume
from qualification.funnel.alerts import alert_resolve, alerts_for_user
from qualification.funnel.figures import funnel_figures, plan_coverage
from qualification.funnel.plans import sales_plan_create, sales_plan_update, sales_plans_for_user
from qualification.models import (
    Alert,
    Decision,
    EvaluationRun,
    Lead,
    RejectionReason,
    SalesPlan,
)
from qualification.permissions import FIGURES_READERS, QUALIFY, VIEW_FIGURES


class HasPermissions(permissions.BasePermission):
    """The view's ``required_permissions[action or method]``: any one of the listed sets."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        action_name = getattr(view, "action", None)
        alternatives = view.required_permissions.get(action_name or request.method.lower())
        if alternatives is None:
            # A method the view does not serve: let it answer 405.
            return action_name is None
        return any(user.has_perms(needed) for needed in alternatives)


class LeadDecisionView(APIView):
    """``POST /leads/{id}/decision/``: record a verdict (the *qualify leads* permission)."""

    permission_classes = [HasPermissions]
    required_permissions = {"post": [(QUALIFY,)]}

    @extend_schema(
        request=serializers.DecisionInputSerializer,
        responses={201: serializers.DecisionSerializer},
    )
    def post(self, request, pk: int):
        lead = get_object_or_404(Lead.objects.for_user(request.user), pk=pk)
        payload = serializers.DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decision = lead_decide(lead=lead, user=request.user, **payload.validated_data)
        return Response(
            serializers.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED
        )


class LeadDecisionListView(generics.ListAPIView):
    """``GET /leads/{id}/decisions/``: the lead's decision history, newest first."""

    serializer_class = serializers.DecisionSerializer
    permission_classes = [HasPermissions]
    required_permissions = {"get": [("qualification.view_decision",)]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Decision.objects.none()
        lead = get_object_or_404(Lead.objects.for_user(self.request.user), pk=self.kwargs["pk"])
        return decisions_for_lead(lead)


class EvaluationRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Progress of bulk re-evaluations; admins may resume a run that stopped."""

    queryset = EvaluationRun.objects.select_related("portrait")
    serializer_class = serializers.EvaluationRunSerializer
    permission_classes = [HasPermissions]
    required_permissions = {
        "list": [("qualification.view_evaluationrun",)],
        "retrieve": [("qualification.view_evaluationrun",)],
        "resume": [("qualification.view_evaluationrun", "qualification.change_evaluationrun")],
    }

    @extend_schema(request=None, responses={202: serializers.EvaluationRunSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        run = evaluation_run_resume(run=self.get_object())
        return Response(
            serializers.EvaluationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED
        )


class RejectionReasonViewSet(viewsets.ReadOnlyModelViewSet):
    """The managed list of reason codes for rejecting a suggested-interesting lead."""

    queryset = RejectionReason.objects.filter(is_active=True)
    serializer_class = serializers.RejectionReasonSerializer
    permission_classes = [HasPermissions]
    required_permissions = {
        "list": [("qualification.view_rejectionreason",)],
        "retrieve": [("qualification.view_rejectionreason",)],
    }
    lookup_field = "code"


class SalesPlanViewSet(viewsets.ModelViewSet):
    """Targets per period: managers and admins write; salespeople read their own."""

    serializer_class = serializers.SalesPlanSerializer
    permission_classes = [HasPermissions]
    required_permissions = {
        "list": [("qualification.view_salesplan",)],
        "retrieve": [("qualification.view_salesplan",)],
        "coverage": [("qualification.view_salesplan",)],
        "create": [(VIEW_FIGURES, "qualification.add_salesplan")],
        "update": [(VIEW_FIGURES, "qualification.change_salesplan")],
        "partial_update": [(VIEW_FIGURES, "qualification.change_salesplan")],
        "destroy": [(VIEW_FIGURES, "qualification.delete_salesplan")],
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SalesPlan.objects.none()
        return sales_plans_for_user(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = sales_plan_create(data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = sales_plan_update(
            plan=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(responses=serializers.PlanCoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        coverage = plan_coverage(plan=self.get_object())
        return Response(serializers.PlanCoverageSerializer(coverage).data)


class FunnelFiguresView(APIView):
    """Pool, conversion, expected contracts, plans in force and per-salesperson figures.

    Managers and admins see everyone; a salesperson sees their own pool, plans and row.
    """

    permission_classes = [HasPermissions]
    required_permissions = {"get": FIGURES_READERS}

    @extend_schema(responses=serializers.FunnelFiguresSerializer)
    def get(self, request):
        figures = funnel_figures(user=request.user)
        return Response(serializers.FunnelFiguresSerializer(figures).data)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recorded alerts: everyone's for managers and admins, a salesperson's own."""

    serializer_class = serializers.AlertSerializer
    permission_classes = [HasPermissions]
    required_permissions = {
        "list": FIGURES_READERS,
        "retrieve": FIGURES_READERS,
        "resolve": [(VIEW_FIGURES, "qualification.change_alert")],
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return alerts_for_user(self.request.user)

    @extend_schema(request=None, responses=serializers.AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        alert = alert_resolve(alert=self.get_object())
        return Response(serializers.AlertSerializer(alert).data)


__all__ = [
    "AlertViewSet",
    "EvaluationRunViewSet",
    "FunnelFiguresView",
    "LeadDecisionListView",
    "LeadDecisionView",
    "RejectionReasonViewSet",
    "SalesPlanViewSet",
]
