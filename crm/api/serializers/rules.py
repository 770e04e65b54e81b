"""The service rules as DESIGN.md's REST contract shows them: a title, the standards, the
calendar and the targets.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.models import ServiceRules, ServiceRulesAcknowledgement, ServiceTarget
from crm.models.clients import validate_time_zone
from crm.models.rules import validate_closed_days, validate_hours

MAX_TARGETS = 200


class ServiceTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceTarget
        fields = [
            "channel",
            "severity",
            "client_kind",
            "first_response_minutes",
            "resolution_minutes",
        ]
        # The service checks the unique combination and names the item at fault.
        validators: list = []


class CalendarSerializer(serializers.Serializer):
    """When the service is open: hours per weekday in a time zone, holidays, closed days."""

    time_zone = serializers.CharField(max_length=64, validators=[validate_time_zone])
    holidays = serializers.CharField(
        source="holiday_country",
        max_length=2,
        allow_blank=True,
        required=False,
        help_text=_("ISO 3166 country whose public holidays close the service (UA, PL, IL …)."),
    )
    closed_days = serializers.ListField(
        child=serializers.CharField(), required=False, validators=[validate_closed_days]
    )
    hours = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        validators=[validate_hours],
        help_text=_('Per weekday, [start, end] pairs: {"mon": [["09:00", "18:00"]], "sun": []}.'),
    )


class ServiceRulesSerializer(serializers.ModelSerializer):
    """A version of the service rules; ``targets`` given on a write replace its targets."""

    title = serializers.CharField(source="name", max_length=200)
    calendar = CalendarSerializer(source="*", required=False)
    targets = ServiceTargetSerializer(many=True, required=False, max_length=MAX_TARGETS)

    class Meta:
        model = ServiceRules
        fields = [
            "id",
            "version",
            "status",
            "title",
            "standards",
            "calendar",
            "targets",
            "based_on",
            "created_at",
            "updated_at",
            "published_at",
            "archived_at",
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


class ServiceRulesAcknowledgementSerializer(serializers.ModelSerializer):
    rules = serializers.PrimaryKeyRelatedField(source="document", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    is_acknowledged = serializers.BooleanField(read_only=True)

    class Meta:
        model = ServiceRulesAcknowledgement
        fields = [
            "id",
            "rules",
            "user",
            "username",
            "requested_at",
            "acknowledged_at",
            "is_acknowledged",
        ]
        read_only_fields = fields
