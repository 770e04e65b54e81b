"""Clients, their contacts and departments as the API shows and takes them."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.choices import Channel
from crm.models import Client, ClientContact, Department


class ClientContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClientContact
        fields = ["id", "name", "role", "email", "phone", "language"]
        read_only_fields = ["id"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "head", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service's full_clean checks uniqueness; its error names the field.
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


class ClientContractBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    lead = serializers.IntegerField(source="lead_id")
    signed_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    currency = serializers.CharField()


class ClientSerializer(serializers.ModelSerializer):
    """A client; ``contacts`` given on a write replace its contacts."""

    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    contacts = ClientContactSerializer(many=True, required=False)
    preferred_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False
    )
    contract_count = serializers.IntegerField(read_only=True)
    contracted_value = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=_("Sum of its contracts in our base currency; null without contracts."),
    )
    open_negotiations = serializers.IntegerField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "kind",
            "name",
            "owner",
            "department",
            "contacts",
            "preferred_channels",
            "time_zone",
            "language",
            "hours",
            "notes",
            "contract_count",
            "contracted_value",
            "open_negotiations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # The model's clean() and constraints are checked by the service's full_clean.
        validators: list = []


class ClientDetailSerializer(ClientSerializer):
    """The client with its contracts and the leads it came from."""

    contracts = ClientContractBriefSerializer(many=True, read_only=True)
    leads = serializers.SerializerMethodField()

    class Meta(ClientSerializer.Meta):
        fields = [*ClientSerializer.Meta.fields, "contracts", "leads"]

    def get_leads(self, client: Client) -> list[int]:
        """Ids of the leads its contracts were signed for."""
        return sorted({contract.lead_id for contract in client.contracts.all()})
