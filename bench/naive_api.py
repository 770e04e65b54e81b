"""The naive sync: a plain ``ModelViewSet`` over ``ModelSerializer``, one POST per lead.

Deliberately what the tutorial writes; the sync scenario measures the product's
bulk endpoint against it.
"""

from rest_framework import serializers, viewsets

from qualification.models import Lead
from qualification.models.leads import LEAD_CONTENT_FIELDS


class NaiveLeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = ["id", "source", "external_id", *LEAD_CONTENT_FIELDS, "source_updated_at"]


class NaiveLeadViewSet(viewsets.ModelViewSet):
    queryset = Lead.objects.order_by("id")
    serializer_class = NaiveLeadSerializer
