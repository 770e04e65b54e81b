"""Negotiations and their append-only entries."""

from rest_framework import serializers

from crm.choices import NegotiationOutcome
from crm.models import Negotiation, NegotiationEntry


class NegotiationEntrySerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(
        source="recorded_by.get_username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = NegotiationEntry
        fields = ["id", "party", "kind", "text", "corrects", "recorded_by", "recorded_at"]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


class NegotiationSerializer(serializers.ModelSerializer):
    entries = NegotiationEntrySerializer(many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Negotiation
        fields = [
            "id",
            "client",
            "contract",
            "feedback",
            "clause_ref",
            "question",
            "deadline",
            "outcome",
            "agreement",
            "is_overdue",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
            "entries",
        ]
        read_only_fields = [
            "id",
            "outcome",
            "agreement",
            "opened_by",
            "opened_at",
            "closed_by",
            "closed_at",
        ]


class NegotiationCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=NegotiationOutcome.choices)
    agreement = serializers.CharField(required=False, allow_blank=True, default="")
