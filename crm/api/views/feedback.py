"""Feedback, delays and the service rules through the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from crm.api.serializers.feedback import DelaySerializer, FeedbackSerializer
from crm.api.serializers.rules import ServiceRulesAcknowledgementSerializer, ServiceRulesSerializer
from crm.clients.selectors import clients_for_user
from crm.feedback.delays import delay_record
from crm.feedback.selectors import delays_for_user, feedback_for_user
from crm.feedback.services import feedback_acknowledge, feedback_record, feedback_resolve
from crm.filtersets import FeedbackFilterSet
from crm.models import Client
from crm.rules.selectors import service_rules_list_for_user
from crm.rules.services import SERVICE_RULES_SERVICES
from portrait.versioning.api import VersionedDocumentViewSetMixin


class FeedbackViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ActionViewSet
):
    """What clients tell us: recorded by every employee, pushed by integrations."""

    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilterSet
    action_permissions = {
        "list": requires("crm.view_feedback"),
        "retrieve": requires("crm.view_feedback"),
        "create": requires("crm.add_feedback"),
        "acknowledge": requires("crm.view_feedback", "crm.change_feedback"),
        "resolve": requires("crm.view_feedback", "crm.change_feedback"),
    }

    def visible_queryset(self):
        return feedback_for_user(self.request.user)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create" and self.request.user.has_perm("crm.view_feedback"):
            # Employees name the clients they see; integrations any client of their sources.
            serializer.fields["client"].queryset = clients_for_user(self.request.user)
        elif self.action == "create":
            serializer.fields["client"].queryset = Client.objects.all()
        return serializer

    @extend_schema(responses={201: FeedbackSerializer, 200: FeedbackSerializer})
    def create(self, request, *args, **kwargs):
        """Record feedback: 201, or 200 with the item when its source and external id were seen."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback, created = feedback_record(user=request.user, data=serializer.validated_data)
        return Response(
            FeedbackSerializer(feedback).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={200: FeedbackSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request, pk=None):
        """The first response to the client."""
        return Response(
            FeedbackSerializer(
                feedback_acknowledge(feedback=self.get_object(), user=request.user)
            ).data
        )

    @extend_schema(request=None, responses={200: FeedbackSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def resolve(self, request, pk=None):
        """The matter is resolved."""
        return Response(
            FeedbackSerializer(feedback_resolve(feedback=self.get_object(), user=request.user)).data
        )


class DelayViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ActionViewSet):
    """Delays any department records: told to the client, escalated, postponements counted."""

    serializer_class = DelaySerializer
    action_permissions = {
        "list": requires("crm.view_delay"),
        "create": requires("crm.view_delay", "crm.add_delay"),
    }

    def visible_queryset(self):
        return delays_for_user(self.request.user)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create":
            serializer.fields["client"].queryset = clients_for_user(self.request.user)
        return serializer

    def perform_create(self, serializer):
        serializer.instance = delay_record(user=self.request.user, data=serializer.validated_data)


class ServiceRulesViewSet(VersionedDocumentViewSetMixin, ActionViewSet):
    """Versions of the service rules: written and published by admins, acknowledged by all."""

    serializer_class = ServiceRulesSerializer
    acknowledgement_serializer_class = ServiceRulesAcknowledgementSerializer
    document_services = SERVICE_RULES_SERVICES
    error_paths = {
        "name": "title",
        "time_zone": "calendar.time_zone",
        "holiday_country": "calendar.holidays",
        "closed_days": "calendar.closed_days",
        "hours": "calendar.hours",
    }
    action_permissions = {
        "list": requires("crm.view_servicerules"),
        "retrieve": requires("crm.view_servicerules"),
        "create": requires(
            "crm.view_servicerules", "crm.add_servicerules", "crm.change_servicerules"
        ),
        "partial_update": requires("crm.view_servicerules", "crm.change_servicerules"),
        "publish": requires("crm.view_servicerules", "crm.publish_servicerules"),
        "copy": requires(
            "crm.view_servicerules", "crm.add_servicerules", "crm.change_servicerules"
        ),
        "acknowledge": requires("crm.view_servicerules", "crm.acknowledge_servicerules"),
        "acknowledgements": requires(
            "crm.view_servicerules", "crm.view_servicerulesacknowledgement"
        ),
    }

    def document_queryset(self, *, with_children: bool):
        return service_rules_list_for_user(self.request.user, with_children=with_children)
