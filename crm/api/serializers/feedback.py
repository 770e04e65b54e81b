"""Feedback and delays as the API takes and shows them."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.models import Delay, Feedback


class FeedbackSerializer(serializers.ModelSerializer):
    rules_version = serializers.IntegerField(
        source="rules.version", read_only=True, allow_null=True, default=None
    )
    escalated = serializers.SerializerMethodField()
    negotiations = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text=_("The negotiations opened from this item."),
    )

    class Meta:
        model = Feedback
        fields = [
            "id",
            "client",
            "channel",
            "kind",
            "rating",
            "severity",
            "text",
            "received_at",
            "department",
            "taken_by",
            "source",
            "external_id",
            "status",
            "response_due",
            "resolution_due",
            "rules_version",
            "escalated",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "response_minutes",
            "resolution_minutes",
            "negotiations",
        ]
        read_only_fields = [
            "id",
            "taken_by",
            "status",
            "response_due",
            "resolution_due",
            "rules_version",
            "escalated",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "response_minutes",
            "resolution_minutes",
            "negotiations",
        ]
        extra_kwargs = {"received_at": {"required": False}}
        # The service finds an item sent twice by its source and external id.
        validators: list = []

    def get_escalated(self, feedback: Feedback) -> bool:
        """Whether the item was escalated as bad news or for a passed deadline."""
        return bool(feedback.escalations.all())


class DelaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delay
        fields = [
            "id",
            "client",
            "department",
            "reference",
            "what",
            "new_date",
            "postponement",
            "recorded_by",
            "recorded_at",
            "client_told_at",
            "contacts_told",
        ]
        read_only_fields = [
            "id",
            "postponement",
            "recorded_by",
            "recorded_at",
            "client_told_at",
            "contacts_told",
        ]
        validators: list = []
