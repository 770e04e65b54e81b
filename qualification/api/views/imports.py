"""Import jobs through the API: upload a file, follow its progress, its rejected rows, cancel.

Who may upload is who may push (bulk-upsert's rule: importers any source, integrations
their granted ones); a requester sees their own jobs, admins everyone's
(``lead_imports_for_user``).
"""

import csv

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.api import ErrorSerializer
from config.permissions import ActionViewSet, any_of, requires
from config.text import spreadsheet_text
from qualification.api.serializers import imports
from qualification.imports.services import (
    ImportFinished,
    lead_import_cancel,
    lead_import_create,
    lead_imports_for_user,
)

PUSHERS = any_of(requires("qualification.sync_lead"), requires("qualification.import_lead"))
READERS = requires("qualification.view_leadimport")


class CsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ImportFinishedError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "import_finished"
    default_detail = gettext_lazy("This import has finished: there is nothing to cancel.")


class _Echo:
    def write(self, value: str) -> str:
        return value


class LeadImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ActionViewSet):
    """Bulk import jobs: a file of leads for one source, written in the background."""

    serializer_class = imports.LeadImportSerializer
    action_permissions = {
        "list": READERS,
        "retrieve": READERS,
        "errors": READERS,
        "create": PUSHERS,
        "cancel": PUSHERS,
    }

    @property
    def throttle_scope(self) -> str | None:
        # The upload is a bulk push (config.throttling); following a job is not.
        return "bulk" if getattr(self, "action", None) == "create" else None

    def visible_queryset(self):
        return lead_imports_for_user(self.request.user).select_related("requested_by")

    @extend_schema(
        request={"multipart/form-data": imports.LeadImportCreateSerializer},
        responses={
            202: imports.LeadImportSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy(
                    "The file cannot be read: its encoding, delimiter or header, named."
                ),
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy("The source belongs to another account."),
            ),
        },
    )
    def create(self, request):
        """Upload a file of leads for one source: its import runs in the background."""
        upload = imports.LeadImportCreateSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = lead_import_create(
            upload=data["file"],
            source=data["source"],
            user=request.user,
            encoding=data.get("encoding"),
            delimiter=data.get("delimiter"),
        )
        job.refresh_from_db()
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    def get_parsers(self):
        # Parsers are chosen before the action is known: the upload is the POST of the list.
        request = getattr(self, "request", None)
        is_upload = request is not None and request.method == "POST" and "pk" not in self.kwargs
        if is_upload or getattr(self, "action", None) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("line, column, message")
            )
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, CsvRenderer],
        pagination_class=None,
    )
    def errors(self, request, pk=None):
        """The rejected rows as CSV: line, column, message (one row per message), separated
        as the uploaded file was (a comma for JSON Lines)."""
        job = self.get_object()
        # The uploaded file's own delimiter: Excel where the decimal mark is a comma
        # splits a CSV on semicolons, and opens the file it saved as it expects.
        writer = csv.writer(_Echo(), delimiter=job.delimiter or ",")

        def rows():
            yield "\ufeff" + writer.writerow([_("line"), _("column"), _("message")])
            for line, column, message in (
                job.rejections.order_by("line", "id")
                .values_list("line", "column", "message")
                .iterator(chunk_size=2000)
            ):
                yield writer.writerow([line, spreadsheet_text(column), spreadsheet_text(message)])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
        return response

    @extend_schema(
        request=None,
        responses={
            200: imports.LeadImportSerializer,
            409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Already finished.")),
        },
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def cancel(self, request, pk=None):
        """Stop the import: the chunks written stay written, no other is."""
        try:
            job = lead_import_cancel(job=self.get_object())
        except ImportFinished as error:
            raise ImportFinishedError from error
        return Response(self.get_serializer(job).data)
