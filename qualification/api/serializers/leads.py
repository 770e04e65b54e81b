"""Leads as the API shows them: identities, evaluation, explanation, decision, duplicates."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from qualification.api.serializers.decisions import DecisionSerializer
from qualification.decisions.selectors import decisions_for_lead
from qualification.evaluation.explain import lead_explain
from qualification.models import Lead, RejectionReason
from qualification.models.leads import LEAD_CONTENT_FIELDS


class LeadIdentitySerializer(serializers.Serializer):
    source = serializers.CharField()
    external_id = serializers.CharField()


class LeadOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class SegmentBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LeadEvaluationSerializer(serializers.Serializer):
    portrait_version = serializers.IntegerField(
        source="evaluated_portrait.version",
        allow_null=True,
        help_text=gettext_lazy(
            "The portrait version whose rules produced this evaluation. A later version "
            "that gives the lead the same outcome leaves the evaluation, this version and "
            "updated_at as they were."
        ),
    )
    segment = SegmentBriefSerializer(allow_null=True)
    fit_score = serializers.IntegerField(allow_null=True)
    suggested_verdict = serializers.CharField(allow_null=True)
    exclusions_hit = serializers.JSONField()


class LeadSerializer(serializers.ModelSerializer):
    # Its own key and those it took over by merges (``Lead.identities``).
    identities = LeadIdentitySerializer(many=True, read_only=True)
    owner = LeadOwnerSerializer(read_only=True, allow_null=True)
    evaluation = LeadEvaluationSerializer(source="*", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "source",
            "external_id",
            "identities",
            *LEAD_CONTENT_FIELDS,
            "owner",
            "stage",
            "source_updated_at",
            "evaluation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LeadDeletedSerializer(serializers.Serializer):
    """A lead merged into another: what a pull of changes says of a lead that is gone.

    Only pulls (``updated_since``) list these, in the order of the changes, at the time
    of the merge; the lead it was merged into holds its identities now and comes in the
    same pull as changed.
    """

    id = serializers.IntegerField(
        source="merged_lead_id", help_text=gettext_lazy("Id of the lead merged away.")
    )
    source = serializers.CharField(source="merged_snapshot.source")
    external_id = serializers.CharField(source="merged_snapshot.external_id")
    merged_into = serializers.IntegerField(
        source="survivor_id",
        help_text=gettext_lazy("Id of the lead that holds its identities now."),
    )
    deleted = serializers.SerializerMethodField()

    @extend_schema_field({"type": "boolean", "enum": [True]})
    def get_deleted(self, merge) -> bool:
        return True


def lead_changes_data(items: list, *, context: dict) -> list[dict]:
    """A pull's page (leads and ``LeadMerge`` records, in order) as the API renders it.

    Each kind is rendered in one pass, so the page costs the same whatever its mix.
    """
    leads = iter(
        LeadSerializer([i for i in items if isinstance(i, Lead)], many=True, context=context).data
    )
    merges = iter(
        LeadDeletedSerializer([i for i in items if not isinstance(i, Lead)], many=True).data
    )
    return [next(leads) if isinstance(item, Lead) else next(merges) for item in items]


class LeadDetailSerializer(LeadSerializer):
    """The list's fields plus the evaluation's explanation and the current decision."""

    explanation = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "explanation", "decision"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
    def get_explanation(self, lead: Lead) -> dict | None:
        """Per-criterion verdicts of the portrait version the lead was evaluated against."""
        return lead_explain(lead) or None

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, lead: Lead) -> dict | None:
        """The lead's current decision."""
        current = decisions_for_lead(lead).filter(is_current=True).first()
        return DecisionSerializer(current).data if current else None


class LeadMergeRequestSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(
        min_value=1, help_text=gettext_lazy("Id of the lead merged into this one (and deleted).")
    )


class LeadDuplicateSerializer(serializers.Serializer):
    lead = LeadSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class LeadReassignRequestSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        allow_null=True,
        help_text=gettext_lazy("Id of the salesperson who takes the lead; null: unassigned."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class LeadLossRequestSerializer(serializers.Serializer):
    reason_code = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RejectionReason.objects.filter(is_active=True),
        error_messages={
            "does_not_exist": gettext_lazy("Unknown or retired reason code “{value}”.")
        },
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
