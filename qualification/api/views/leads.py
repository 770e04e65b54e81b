"""Leads through the API: lists and pulls, bulk sync, decisions, merges, reassignment.

Which leads a user reaches is ``lead_list`` (``Lead.objects.for_user``), the same for
every action; what each action needs is its row in ``action_permissions``; writes go
through the services.
"""

import base64
import binascii
import datetime

from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from config.api import ErrorSerializer, StablePagination
from config.parsers import ItemCheckingJSONParser
from config.permissions import ActionViewSet, any_of, requires
from qualification.api.serializers import decisions, leads, sync
from qualification.decisions.selectors import decisions_for_lead
from qualification.decisions.services import lead_decide
from qualification.filtersets import LeadFilterSet
from qualification.leads import selectors
from qualification.leads.loss import MARK_LOST, lead_lose
from qualification.leads.merge import lead_merge
from qualification.leads.reassignment import REASSIGN, lead_reassign
from qualification.models import LeadMerge
from qualification.permissions import QUALIFY, READ_LEADS
from qualification.sync.upsert import leads_bulk_upsert
from qualification.sync.validation import MAX_ITEMS


class LeadPagination(StablePagination):
    """Newest first; a pull of changes (``updated_since``) goes oldest change first.

    A pull pages leads and the markers of merged-away leads together, by the time of the
    change (a lead's ``updated_at``, a merge's ``merged_at``) then id: its cursor is that
    pair, after which the next page starts (``paginate_changes``). Each page reads the
    next leads and the next markers in one query each, whatever its size.
    """

    def paginate_changes(self, *, leads, markers, request) -> list:
        """The next page of ``leads`` and ``markers`` (``LeadMerge``) after the cursor."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        after = self._decode_change(request)
        if after is not None:
            leads = leads.filter(_after("updated_at", "id", after))
            markers = markers.filter(_after("merged_at", "merged_lead_id", after))
        fetched = sorted(
            [
                *leads.order_by("updated_at", "id")[: size + 1],
                *markers.order_by("merged_at", "merged_lead_id")[: size + 1],
            ],
            key=_change_key,
        )
        page = fetched[:size]
        self._next_change = _change_key(page[-1]) if len(fetched) > size else None
        self._pulls_changes = True
        return page

    def get_next_link(self):
        if not getattr(self, "_pulls_changes", False):
            return super().get_next_link()
        if self._next_change is None:
            return None
        moment, identifier = self._next_change
        token = f"{moment.isoformat()}|{identifier}".encode()
        return replace_query_param(
            self.base_url, self.cursor_query_param, base64.urlsafe_b64encode(token).decode()
        )

    def get_previous_link(self):
        # A pull goes forward only: it starts again from the last change it read.
        if getattr(self, "_pulls_changes", False):
            return None
        return super().get_previous_link()

    def _decode_change(self, request) -> tuple[datetime.datetime, int] | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            moment, identifier = base64.urlsafe_b64decode(encoded).decode().split("|")
            after = datetime.datetime.fromisoformat(moment), int(identifier)
        except (TypeError, ValueError, UnicodeDecodeError, binascii.Error):
            after = None
        if after is None or after[0].tzinfo is None:
            # As a page's cursor is refused (``StablePagination.decode_cursor``).
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("This is not a cursor the API gave.")]}
            )
        return after


def _change_key(item) -> tuple[datetime.datetime, int]:
    """Where a lead or a merge record stands in a pull: the time of the change, then id."""
    if isinstance(item, LeadMerge):
        return item.merged_at, item.merged_lead_id
    return item.updated_at, item.pk


def _after(moment_field: str, id_field: str, after: tuple[datetime.datetime, int]) -> Q:
    """Past ``after`` in (time, id) order; the first term lets the time's index bound it."""
    moment, identifier = after
    later = Q(**{f"{moment_field}__gt": moment}) | Q(**{f"{id_field}__gt": identifier})
    return Q(**{f"{moment_field}__gte": moment}) & later


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ActionViewSet):
    """Leads visible to the user, what they push, decide, merge and reassign."""

    serializer_class = leads.LeadSerializer
    filterset_class = LeadFilterSet
    pagination_class = LeadPagination
    action_permissions = {
        "list": READ_LEADS,
        "retrieve": READ_LEADS,
        "duplicates": READ_LEADS,
        "bulk_upsert": any_of(
            requires("qualification.sync_lead"), requires("qualification.import_lead")
        ),
        "decide": requires(QUALIFY),
        "decisions": requires("qualification.view_decision"),
        "merge": requires("qualification.merge_lead"),
        "reassign": requires(REASSIGN),
        "lost": requires(MARK_LOST),
    }

    # Actions that answer with the lead itself; the others only act on it.
    _RENDERING = {"list", "retrieve", "merge", "reassign", "lost"}

    def visible_queryset(self):
        if self.action in self._RENDERING:
            return selectors.lead_list(user=self.request.user)
        return selectors.leads_visible(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return leads.LeadDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        responses={
            200: PolymorphicProxySerializer(
                component_name="LeadChange",
                serializers=[leads.LeadSerializer, leads.LeadDeletedSerializer],
                resource_type_field_name=None,
                many=True,
            )
        },
        description=gettext_lazy(
            "Leads newest first. With updated_since, a pull of changes: every lead whose "
            "representation changed since then (its data, evaluation, decision, owner or "
            "stage) and a marker for every lead merged away since then (deleted: true), "
            "oldest change first, in one cursor-paginated list. A marker obeys the source "
            "filter only: a lead that is gone has no stage, owner or evaluation to filter by."
        ),
    )
    def list(self, request, *args, **kwargs):
        leads_found = self.filter_queryset(self.get_queryset())
        filters = self.filterset_class(request.query_params, queryset=leads_found, request=request)
        since = filters.form.cleaned_data.get("updated_since") if filters.is_valid() else None
        if since is None:
            page = self.paginate_queryset(leads_found)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        markers = selectors.lead_merge_markers(
            user=request.user,
            merged_since=since,
            source=filters.form.cleaned_data.get("source") or None,
        )
        page = self.paginator.paginate_changes(leads=leads_found, markers=markers, request=request)
        context = self.get_serializer_context()
        return self.get_paginated_response(leads.lead_changes_data(page, context=context))

    @extend_schema(
        request=sync.BulkUpsertRequestSerializer,
        responses={
            200: sync.BulkUpsertReportSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description=format_lazy(
                    gettext_lazy("Bad envelope (source, leads, over {limit} leads)."),
                    limit=MAX_ITEMS,
                ),
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy("The source belongs to another account."),
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-upsert",
        # The service reports a lead's unstorable text as that item's error. JSON only:
        # a form post gets a 415.
        parser_classes=[ItemCheckingJSONParser],
        filterset_class=None,
        pagination_class=None,
        throttle_scope="bulk",
    )
    def bulk_upsert(self, request):
        envelope = sync.BulkUpsertRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        # A foreign source raises SourceNotGranted: config.api answers a 403 naming it.
        report = leads_bulk_upsert(
            source=envelope.validated_data["source"],
            items=envelope.validated_data["leads"],
            user=request.user,
        )
        return Response(report)

    @extend_schema(
        request=decisions.DecisionInputSerializer,
        responses={201: decisions.DecisionSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="decision",
        url_name="decide",
        filterset_class=None,
        pagination_class=None,
    )
    def decide(self, request, pk=None):
        """Record a verdict: interesting or not interesting."""
        lead = self.get_object()
        payload = decisions.DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decision = lead_decide(lead=lead, user=request.user, **payload.validated_data)
        return Response(decisions.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: decisions.DecisionSerializer(many=True)})
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=StablePagination)
    def decisions(self, request, pk=None):
        """The lead's decision history, newest first."""
        history = decisions_for_lead(self.get_object())
        page = self.paginate_queryset(history)
        serializer = decisions.DecisionSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        request=leads.LeadMergeRequestSerializer,
        responses={200: leads.LeadDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def merge(self, request, pk=None):
        """Merge another lead into this one; the other is deleted, its identities kept."""
        survivor = self.get_object()
        body = leads.LeadMergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duplicate = self.get_queryset().filter(pk=body.validated_data["duplicate"]).first()
        if duplicate is None:
            raise exceptions.ValidationError({"duplicate": [_("No such lead.")]})
        # A refused merge raises Django's ValidationError: config.api answers it as a 400.
        survivor = lead_merge(survivor=survivor, duplicate=duplicate, user=request.user)
        return self._detail(survivor)

    @extend_schema(
        request=leads.LeadReassignRequestSerializer,
        responses={200: leads.LeadDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def reassign(self, request, pk=None):
        """Give the lead to another salesperson, or back to the unassigned pool."""
        lead = self.get_object()
        body = leads.LeadReassignRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = lead_reassign(lead=lead, user=request.user, **body.validated_data)
        return self._detail(lead)

    @extend_schema(
        request=leads.LeadLossRequestSerializer,
        responses={200: leads.LeadDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def lost(self, request, pk=None):
        """Mark a qualified lead lost, with a reason code: it leaves the active pool."""
        lead = self.get_object()
        body = leads.LeadLossRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = lead_lose(lead=lead, user=request.user, **body.validated_data)
        return self._detail(lead)

    @extend_schema(responses={200: leads.LeadDuplicateSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def duplicates(self, request, pk=None):
        """Unresolved possible duplicates of the lead, with why each was flagged."""
        found = selectors.lead_duplicates(lead=self.get_object(), user=request.user)
        return Response(leads.LeadDuplicateSerializer(found, many=True).data)

    def _detail(self, lead) -> Response:
        """The lead as stored after a write, as the detail shows it."""
        stored = self.get_queryset().get(pk=lead.pk)
        return Response(leads.LeadDetailSerializer(stored).data)
