"""A signed contract and its clauses: the body of ``POST /api/v1/contracts/``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.models import Contract, ContractClause


class ContractClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractClause
        fields = ["ref", "text"]


class ContractSerializer(serializers.ModelSerializer):
    lead = serializers.IntegerField(min_value=1, source="lead_id")
    clauses = ContractClauseSerializer(many=True, required=False)
    exchange_rate = serializers.DecimalField(
        max_digits=14,
        decimal_places=6,
        required=False,
        help_text=_("To our base currency; needed for a contract in another currency."),
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "lead",
            "client",
            "signed_on",
            "value",
            "currency",
            "exchange_rate",
            "base_value",
            "term_months",
            "clauses",
            "salesperson",
            "signed_by",
            "created_at",
        ]
        read_only_fields = ["id", "client", "base_value", "salesperson", "signed_by", "created_at"]
        # The service checks the number's uniqueness (a retry returns the contract).
        validators: list = []
        extra_kwargs = {"number": {"validators": []}}
