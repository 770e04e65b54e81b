"""The bulk-upsert contract: a pushed lead, the envelope and the report.

The hot path validates items without DRF (``qualification.sync.validation``); these
serializers describe the contract in the schema and check the envelope.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qualification.sync.validation import MAX_ITEMS, source_validate


class LeadSyncItemSerializer(serializers.Serializer):
    """One pushed lead (the contract; the hot path validates it without DRF)."""

    external_id = serializers.CharField(max_length=128)
    company_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=2, required=False, allow_null=True, help_text=gettext_lazy("ISO 3166-1 alpha-2")
    )
    region = serializers.CharField(max_length=128, required=False, allow_null=True)
    industry = serializers.CharField(max_length=32, required=False, allow_null=True)
    employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    annual_revenue = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    channel = serializers.CharField(max_length=64, required=False, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True)
    phone = serializers.CharField(max_length=32, required=False, allow_null=True)
    website = serializers.CharField(max_length=255, required=False, allow_null=True)
    attributes = serializers.DictField(required=False)
    updated_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "When the source last changed the lead; older pushes do not overwrite."
        ),
    )


@extend_schema_field(LeadSyncItemSerializer(many=True))
class LeadItemsField(serializers.Field):
    """A list of at most ``BULK_UPSERT_MAX_ITEMS`` raw items; each is validated by the service."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(_("Expected a list of leads."))
        if len(data) > MAX_ITEMS:
            raise serializers.ValidationError(
                _("At most %(limit)d leads per call; this one has %(count)d.")
                % {"limit": MAX_ITEMS, "count": len(data)}
            )
        return data

    def to_representation(self, value):
        return value


class BulkUpsertRequestSerializer(serializers.Serializer):
    source = serializers.CharField(
        max_length=64, help_text=gettext_lazy("The pushing system, e.g. erp.")
    )
    leads = LeadItemsField()

    def validate_source(self, value):
        messages = source_validate(value)
        if messages:
            raise serializers.ValidationError(messages)
        return value


class BulkUpsertItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkUpsertReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(
        help_text=gettext_lazy(
            "Equal to the stored lead, or older than it (stale) and so not applied."
        )
    )
    errors = BulkUpsertItemErrorSerializer(many=True)
