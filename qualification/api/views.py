from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import StablePagination
from config.parsers import ItemCheckingJSONParser
from qualification.api import serializers
from qualification.api.filtersets import LeadFilterSet
from qualification.leads import selectors
from qualification.leads.merge import lead_merge
from qualification.permissions import CanMergeLeads, CanPushLeads, CanReadLeads
from qualification.sync.upsert import leads_bulk_upsert
from qualification.sync.validation import MAX_ITEMS


class LeadPagination(StablePagination):
    """Newest first; a pull of changes (``updated_since``) goes oldest change first."""

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("updated_since"):
            return ("updated_at", "id")
        return super().get_ordering(request, queryset, view)


class LeadViewSet(viewsets.ReadOnlyModelViewSet):
    """Leads visible to the user (``Lead.objects.for_user``), their sync and their merges."""

    serializer_class = serializers.LeadSerializer
    filterset_class = LeadFilterSet
    pagination_class = LeadPagination
    permission_classes = [CanReadLeads]

    def get_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.LeadDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        request=serializers.BulkUpsertRequestSerializer,
        responses={
            200: serializers.BulkUpsertReportSerializer,
            400: OpenApiResponse(
                description=format_lazy(
                    gettext_lazy("Bad envelope (source, leads, over {limit} leads)."),
                    limit=MAX_ITEMS,
                )
            ),
            403: OpenApiResponse(
                description=gettext_lazy("The source belongs to another account.")
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        permission_classes=[CanPushLeads],
        # The service reports a lead's unstorable text as that item's error. JSON only:
        # a form post gets a 415.
        parser_classes=[ItemCheckingJSONParser],
        filterset_class=None,
        pagination_class=None,
    )
    def bulk_upsert(self, request):
        envelope = serializers.BulkUpsertRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        # A foreign source raises SourceNotGranted: config.api answers a 403 naming it.
        report = leads_bulk_upsert(
            source=envelope.validated_data["source"],
            items=envelope.validated_data["leads"],
            user=request.user,
        )
        return Response(report)

    @extend_schema(
        request=serializers.LeadMergeRequestSerializer,
        responses={200: serializers.LeadDetailSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[CanMergeLeads])
    def merge(self, request, pk=None):
        survivor = self.get_object()
        body = serializers.LeadMergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duplicate = self.get_queryset().filter(pk=body.validated_data["duplicate"]).first()
        if duplicate is None:
            raise exceptions.ValidationError({"duplicate": [_("No such lead.")]})
        # A refused merge raises Django's ValidationError: config.api answers it as a 400.
        survivor = lead_merge(survivor=survivor, duplicate=duplicate, user=request.user)
        survivor = self.get_queryset().get(pk=survivor.pk)
        return Response(serializers.LeadDetailSerializer(survivor).data)

    @extend_schema(responses={200: serializers.LeadDuplicateSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def duplicates(self, request, pk=None):
        lead = self.get_object()
        found = selectors.lead_duplicates(lead=lead, user=request.user)
        return Response(serializers.LeadDuplicateSerializer(found, many=True).data)
