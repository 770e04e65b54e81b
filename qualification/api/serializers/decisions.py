"""Decisions on leads and the reason codes they may give."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qualification.choices import DecisionVerdict
from qualification.models import Decision, RejectionReason
from qualification.models.decisions import DECISION_FIELDS


class RejectionReasonSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = RejectionReason
        fields = ["code", "label", "is_active"]
        read_only_fields = fields

    def get_label(self, reason: RejectionReason) -> str:
        """The label in the request's language (the seeded labels are translated)."""
        return str(reason)


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.get_username", read_only=True)
    reason_code = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", *DECISION_FIELDS]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    """``{"verdict": "interesting" | "not_interesting", "reason": "...", "reason_code": "..."}``."""

    verdict = serializers.ChoiceField(choices=DecisionVerdict.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    reason_code = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RejectionReason.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("Unknown or retired reason code “{value}”.")},
    )
