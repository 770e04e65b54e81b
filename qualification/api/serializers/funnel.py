"""The funnel's guards: evaluation runs, sales plans, figures, alerts."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from qualification.funnel.plans import PLAN_FIELDS
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
        fields = ["id", *PLAN_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]
        # The model's clean() and constraints are checked by the service's full_clean; the
        # API's error handler turns its errors into a 400 naming the field.
        validators: list = []


class PoolFiguresSerializer(serializers.Serializer):
    pool = serializers.IntegerField()
    conversion_rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    expected_contracts = serializers.DecimalField(max_digits=14, decimal_places=2)
    expected_revenue = serializers.DecimalField(max_digits=18, decimal_places=2)


class SignedSerializer(serializers.Serializer):
    contracts = serializers.IntegerField()
    value = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("In our base currency.")
    )


class PlanCoverageSerializer(serializers.Serializer):
    """A plan's targets against what was signed in its period and what its pool yields."""

    plan = SalesPlanSerializer()
    figures = PoolFiguresSerializer()
    actual = SignedSerializer(help_text=_("Contracts signed in the plan's period and scope."))
    is_covered = serializers.BooleanField(
        help_text=_("Signed plus expected contracts and revenue reach both targets.")
    )
    contracts_coverage = serializers.DecimalField(max_digits=10, decimal_places=4)
    revenue_coverage = serializers.DecimalField(max_digits=10, decimal_places=4)


class ConversionSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=6, decimal_places=4)
    contracted = serializers.IntegerField()
    decided_interesting = serializers.IntegerField()
    is_measured = serializers.BooleanField(
        help_text=_("False: nobody was decided interesting in the window; the rate is the default.")
    )


class FunnelStagesSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    interesting = serializers.IntegerField(help_text=_("Decided interesting, ever."))
    contracted = serializers.IntegerField()
    lost = serializers.IntegerField()


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
    conversion = ConversionSerializer()
    stages = FunnelStagesSerializer()
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


class ConversionRowSerializer(ConversionSerializer):
    key = serializers.CharField(
        allow_null=True, help_text=_("The segment id, salesperson id or month (YYYY-MM-01).")
    )


class SegmentCoverageSerializer(serializers.Serializer):
    segment = serializers.IntegerField(source="segment.pk")
    name = serializers.CharField(source="segment.name")
    capacity = serializers.IntegerField()
    market_potential = serializers.DecimalField(max_digits=26, decimal_places=2)
    leads = serializers.IntegerField()
    interesting = serializers.IntegerField()
    clients = serializers.IntegerField(source="won.clients")
    contracted_value = serializers.DecimalField(source="won.value", max_digits=18, decimal_places=2)
    capacity_reached = serializers.DecimalField(max_digits=10, decimal_places=4)
    potential_reached = serializers.DecimalField(max_digits=10, decimal_places=4)
