"""Clients and departments through the API: owners see their own, managers all."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from crm.api.serializers.clients import (
    ClientDetailSerializer,
    ClientSerializer,
    DepartmentSerializer,
)
from crm.clients import selectors
from crm.clients.services import client_create, client_update, department_create
from crm.filtersets import ClientFilterSet
from crm.models import Department

_READ_ONLY = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


class ClientViewSet(*_READ_ONLY, ActionViewSet):
    """Clients of every kind; external ones come from contracts, the rest are created here."""

    serializer_class = ClientSerializer
    filterset_class = ClientFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "list": requires("crm.view_client"),
        "retrieve": requires("crm.view_client"),
        "create": requires("crm.view_client", "crm.add_client"),
        "partial_update": requires("crm.view_client", "crm.change_client"),
    }

    def visible_queryset(self):
        if self.action == "list":
            return selectors.client_list(user=self.request.user)
        return selectors.client_detail(user=self.request.user)

    def get_serializer_class(self):
        return ClientSerializer if self.action == "list" else ClientDetailSerializer

    @extend_schema(request=ClientSerializer, responses={201: ClientDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ClientSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contacts = data.pop("contacts", [])
        client = client_create(user=request.user, data=data, contacts=contacts)
        return self._detail(client, status.HTTP_201_CREATED)

    @extend_schema(request=ClientSerializer, responses={200: ClientDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        client = self.get_object()
        serializer = ClientSerializer(client, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contacts = data.pop("contacts", None)
        client = client_update(client=client, user=request.user, data=data, contacts=contacts)
        return self._detail(client)

    def _detail(self, client, status_code=status.HTTP_200_OK) -> Response:
        stored = selectors.client_detail(user=self.request.user).get(pk=client.pk)
        return Response(ClientDetailSerializer(stored).data, status=status_code)


class DepartmentViewSet(*_READ_ONLY, mixins.CreateModelMixin, ActionViewSet):
    """The departments of our organisation; admins add them."""

    queryset = Department.objects.select_related("head")
    serializer_class = DepartmentSerializer
    action_permissions = {
        "list": requires("crm.view_department"),
        "retrieve": requires("crm.view_department"),
        "create": requires("crm.add_department"),
    }

    def perform_create(self, serializer):
        serializer.instance = department_create(
            user=self.request.user, data=serializer.validated_data
        )
