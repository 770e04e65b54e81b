"""Serializers of the funnel: evaluation runs, decisions, plans, figures, alerts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qualification.choices import DecisionVerdict
from qualification.models import Alert, Decision, EvaluationRun, RejectionReason, SalesPlan


class EvaluationRunSerializer(serializers.ModelSerializer):
    portrait_version = serializers.IntegerField(source="portrait.version", read_only=True)
    percent_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = EvaluationRun
        fields = [
            "id",
            "portrait",
            "portrait_version",
            "status",
            "total_chunks",
            "done_chunks",
            "percent_done",
            "lead_count",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


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
    reason_code = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "lead",
            "verdict",
            "reason",
            "reason_code",
            "decided_by",
            "decided_at",
            "evaluated_portrait",
            "suggested_verdict",
            "segment",
            "fit_score",
            "is_override",
            "is_current",
            "superseded_by",
        ]
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


class SalesPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesPlan
        fields = [
            "id",
            "name",
            "period_start",
            "period_end",
            "team",
            "salesperson",
            "target_contracts",
            "target_revenue",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # The model's clean() and constraints are checked by the service's full_clean; the
        # API's error handler turns its errors into a 400 naming the field.
        validators: list = []


class PoolFiguresSerializer(serializers.Serializer):
    pool = serializers.IntegerField()
    conversion_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    expected_contracts = serializers.DecimalField(max_digits=14, decimal_places=2)
    expected_revenue = serializers.DecimalField(max_digits=18, decimal_places=2)


class PlanCoverageSerializer(serializers.Serializer):
    plan = SalesPlanSerializer()
    figures = PoolFiguresSerializer()
    is_covered = serializers.BooleanField()
    contracts_coverage = serializers.DecimalField(max_digits=10, decimal_places=4)


class SalespersonFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    decisions = serializers.IntegerField()
    decisions_on_interesting = serializers.IntegerField()
    overrides = serializers.IntegerField()
    override_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    over_threshold = serializers.BooleanField()


class FunnelFiguresSerializer(serializers.Serializer):
    pool = PoolFiguresSerializer()
    override_rate_threshold = serializers.FloatField()
    plans = PlanCoverageSerializer(many=True)
    salespeople = SalespersonFiguresSerializer(many=True)


class AlertSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "plan",
            "salesperson",
            "message",
            "created_at",
            "sent_at",
            "resolved_at",
            "is_open",
        ]
        read_only_fields = fields
