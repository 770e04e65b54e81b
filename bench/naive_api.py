"""The naive sync: a plain ``ModelViewSet`` over ``ModelSerializer``, one POST per lead.

Deliberately what the tutorial writes; the sync scenario measures the product's
bulk endpoint against it.
"""

from rest_framework import serializers, viewsets

from qualification.models import Lead


class NaiveLeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id",
            "source",
            "external_id",
            "company_name",
            "country",
            "region",
            "industry",
            "employees",
            "annual_revenue",
            "channel",
            "email",
            "phone",
            "website",
            "attributes",
            "source_updated_at",
        ]


class NaiveLeadViewSet(viewsets.ModelViewSet):
    queryset = Lead.objects.order_by("id")
    serializer_class = NaiveLeadSerializer
