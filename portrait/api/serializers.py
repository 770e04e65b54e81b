from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portrait import criteria
from portrait.models import Exclusion, Portrait, PortraitAcknowledgement, Segment

MAX_ITEMS = 500


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": _(
            'A criteria rule, e.g. {"all": [{"field": "employees", "op": "gte", "value": 50}]}.'
        ),
    }
)
class CriteriaField(serializers.JSONField):
    """JSON validated by the criteria language; an error is keyed by its path in the rule."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            criteria.validate_criteria(value)
        except criteria.CriteriaError as error:
            # Keyed by the rule's own path, so the flattened error names
            # ``segments[0].criteria.all[2].op``.
            raise serializers.ValidationError(
                {error.path: [error.message]} if error.path else [error.message]
            ) from error
        return value


class SegmentSerializer(serializers.ModelSerializer):
    criteria = CriteriaField()
    market_potential = serializers.DecimalField(max_digits=26, decimal_places=2, read_only=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "criteria",
            "capacity",
            "average_deal_value",
            "market_potential",
            "priority",
        ]
        read_only_fields = ["id"]


class ExclusionSerializer(serializers.ModelSerializer):
    criteria = CriteriaField()

    class Meta:
        model = Exclusion
        fields = ["id", "name", "description", "criteria"]
        read_only_fields = ["id"]


class PortraitSerializer(serializers.ModelSerializer):
    """A portrait version with its segments and exclusions; nested lists replace on write."""

    segments = SegmentSerializer(many=True, required=False, max_length=MAX_ITEMS)
    exclusions = ExclusionSerializer(many=True, required=False, max_length=MAX_ITEMS)

    class Meta:
        model = Portrait
        fields = [
            "id",
            "version",
            "status",
            "name",
            "description",
            "based_on",
            "created_at",
            "updated_at",
            "published_at",
            "archived_at",
            "segments",
            "exclusions",
        ]
        read_only_fields = [
            "id",
            "version",
            "status",
            "based_on",
            "created_at",
            "updated_at",
            "published_at",
            "archived_at",
        ]


class PortraitAcknowledgementSerializer(serializers.ModelSerializer):
    portrait = serializers.PrimaryKeyRelatedField(source="document", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    is_acknowledged = serializers.BooleanField(read_only=True)

    class Meta:
        model = PortraitAcknowledgement
        fields = [
            "id",
            "portrait",
            "user",
            "username",
            "requested_at",
            "acknowledged_at",
            "is_acknowledged",
        ]
        read_only_fields = fields
