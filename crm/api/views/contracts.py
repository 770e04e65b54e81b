"""Contracts through the API: signing one closes the funnel for its lead."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from crm.api.serializers.contracts import ContractSerializer
from crm.contracts.selectors import contracts_for_user
from crm.contracts.services import contract_sign
from crm.filtersets import ContractFilterSet
from qualification.leads.selectors import leads_visible


class ContractViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ActionViewSet
):
    """Contracts of the clients the user sees; sales sign for their own leads."""

    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    action_permissions = {
        "list": requires("crm.view_contract"),
        "retrieve": requires("crm.view_contract"),
        "create": requires("crm.view_contract", "crm.add_contract"),
    }

    def visible_queryset(self):
        return contracts_for_user(self.request.user)

    @extend_schema(responses={201: ContractSerializer, 200: ContractSerializer})
    def create(self, request, *args, **kwargs):
        """Sign: 201 with the contract, or 200 with it when this number was recorded already."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        clauses = data.pop("clauses", [])
        lead = leads_visible(user=request.user).filter(pk=data.pop("lead_id")).first()
        if lead is None:
            raise exceptions.ValidationError({"lead": [_("No such lead.")]})
        contract, created = contract_sign(lead=lead, user=request.user, data=data, clauses=clauses)
        stored = contracts_for_user(request.user).get(pk=contract.pk)
        return Response(
            ContractSerializer(stored).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
