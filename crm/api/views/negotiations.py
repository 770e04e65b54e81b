"""Negotiations through the API: opened, argued entry by entry, closed with an outcome."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from crm.api.serializers.negotiations import (
    NegotiationCloseSerializer,
    NegotiationEntrySerializer,
    NegotiationSerializer,
)
from crm.clients.selectors import clients_for_user
from crm.contracts.selectors import contracts_for_user
from crm.feedback.selectors import feedback_for_user
from crm.filtersets import NegotiationFilterSet
from crm.negotiations.selectors import negotiations_for_user
from crm.negotiations.services import (
    negotiation_close,
    negotiation_entry_add,
    negotiation_open,
)


class NegotiationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ActionViewSet
):
    """Negotiations with the clients the user sees, with their entries."""

    serializer_class = NegotiationSerializer
    filterset_class = NegotiationFilterSet
    action_permissions = {
        "list": requires("crm.view_negotiation"),
        "retrieve": requires("crm.view_negotiation"),
        "create": requires("crm.view_negotiation", "crm.add_negotiation"),
        "entries": requires("crm.view_negotiation", "crm.add_negotiationentry"),
        "close": requires("crm.view_negotiation", "crm.change_negotiation"),
    }

    def visible_queryset(self):
        return negotiations_for_user(self.request.user)

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create":
            # Only the user's clients and their contracts may be named.
            serializer.fields["client"].queryset = clients_for_user(self.request.user)
            serializer.fields["contract"].queryset = contracts_for_user(self.request.user)
            serializer.fields["feedback"].queryset = feedback_for_user(self.request.user)
        return serializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = negotiation_open(
            user=self.request.user,
            client=data["client"],
            contract=data.get("contract"),
            clause_ref=data.get("clause_ref", ""),
            feedback=data.get("feedback"),
            question=data["question"],
            deadline=data["deadline"],
        )

    @extend_schema(request=NegotiationEntrySerializer, responses={201: NegotiationSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def entries(self, request, pk=None):
        """Add a position or a proposal; entries are never edited or deleted."""
        negotiation = self.get_object()
        body = NegotiationEntrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        negotiation_entry_add(
            negotiation=negotiation,
            user=request.user,
            party=data["party"],
            kind=data["kind"],
            text=data["text"],
            corrects=data.get("corrects"),
        )
        return self._detail(negotiation, status.HTTP_201_CREATED)

    @extend_schema(request=NegotiationCloseSerializer, responses={200: NegotiationSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request, pk=None):
        """Close with the outcome: agreed (with the agreement), escalated or withdrawn."""
        negotiation = self.get_object()
        body = NegotiationCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        negotiation_close(negotiation=negotiation, user=request.user, **body.validated_data)
        return self._detail(negotiation)

    def _detail(self, negotiation, status_code=status.HTTP_200_OK) -> Response:
        stored = negotiations_for_user(self.request.user).get(pk=negotiation.pk)
        return Response(NegotiationSerializer(stored).data, status=status_code)
