"""The funnel's guards: evaluation runs, sales plans, figures, alerts."""

from rest_framework import serializers

from qualification.models import Alert, EvaluationRun, SalesPlan


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
