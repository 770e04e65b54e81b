"""The service reports through the API: for managers and admins."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from crm.api.serializers.reports import (
    OutOfTouchSerializer,
    RatingReportSerializer,
    ServiceReportSerializer,
)
from crm.reports import selectors
from crm.reports.permissions import VIEW_REPORTS

#: The longest silence asked about: ten years.
MAX_DAYS = 3650


def _months_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "months",
        {"type": "integer", "minimum": 1, "maximum": selectors.MAX_MONTHS},
        description=_("How many calendar months, this one included (1–%(most)s; 6 if unset).")
        % {"most": selectors.MAX_MONTHS},
    )


def _by_parameter(dimensions) -> OpenApiParameter:
    return OpenApiParameter(
        "by",
        OpenApiTypes.STR,
        enum=sorted(dimensions),
        required=True,
        description=_("What to break the figures down by."),
    )


def _choice(request, name: str, choices) -> str:
    value = request.query_params.get(name)
    if value not in choices:
        raise exceptions.ValidationError(
            {name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(choices))}]}
        )
    return value


def _number(request, name: str, *, default: int, most: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise exceptions.ValidationError(
            {name: [_("A whole number from 1 to %(most)s.") % {"most": most}]}
        )
    return int(value)


class ServiceReportViewSet(ActionViewSet):
    """Deadline compliance, waiting times, the rating trend and the clients out of touch."""

    # Figures, not a list of rows to filter or page.
    filter_backends: list = []
    pagination_class = None
    serializer_class = ServiceReportSerializer
    action_permissions = {
        "service": requires(VIEW_REPORTS),
        "ratings": requires(VIEW_REPORTS),
        "no_contact": requires(VIEW_REPORTS),
    }

    @extend_schema(
        parameters=[_by_parameter(selectors.SERVICE_DIMENSIONS), _months_parameter()],
        responses=ServiceReportSerializer,
    )
    def service(self, request):
        """Per channel, department or owner and month: the share of first responses and
        resolutions that met their deadline, and the median service minutes they took."""
        report = selectors.service_report(
            user=request.user,
            by=_choice(request, "by", selectors.SERVICE_DIMENSIONS),
            months=self._months(request),
        )
        return Response(ServiceReportSerializer(report).data)

    @extend_schema(
        parameters=[_by_parameter(selectors.RATING_DIMENSIONS), _months_parameter()],
        responses=RatingReportSerializer,
    )
    def ratings(self, request):
        """Per client, owner or department and month: the average rating."""
        report = selectors.rating_report(
            user=request.user,
            by=_choice(request, "by", selectors.RATING_DIMENSIONS),
            months=self._months(request),
        )
        return Response(RatingReportSerializer(report).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                description=_("Without contact for this many days (the setting's if unset)."),
            )
        ],
        responses=OutOfTouchSerializer(many=True),
    )
    def no_contact(self, request):
        """The clients nobody has been in touch with, the longest first."""
        days = _number(request, "days", default=selectors.no_contact_days(), most=MAX_DAYS)
        rows = selectors.out_of_touch_rows(
            selectors.clients_out_of_touch_for_user(request.user, days=days)
        )
        return Response(OutOfTouchSerializer(rows, many=True).data)

    @staticmethod
    def _months(request) -> int:
        return _number(
            request, "months", default=selectors.DEFAULT_MONTHS, most=selectors.MAX_MONTHS
        )
