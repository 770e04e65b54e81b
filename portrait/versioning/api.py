"""The versioned document over the API: the mixin a document's viewset derives from.

The viewset derives from ``VersionedDocumentViewSetMixin`` and ``ActionViewSet``
and declares, beside its ``action_permissions``:

- ``serializer_class``: the document with its children;
- ``acknowledgement_serializer_class``: one acknowledgement request;
- ``document_services``: the document's own writes (a ``DocumentServices``);
- ``document_queryset(with_children=...)``: the versions the user may read.

It gets list and retrieve with an ``ETag``; create; ``PATCH`` of a draft under
``If-Match`` (428 without it, 412 when stale); publish, copy, acknowledge and the
list of acknowledgements. A version in the wrong state answers 409. Refusals and
the schema name the document by its verbose name.
"""

from contextlib import contextmanager

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import ErrorSerializer
from portrait.versioning.errors import DocumentStaleError, DocumentStateError
from portrait.versioning.etags import document_etag, if_match_etags
from portrait.versioning.selectors import document_acknowledgements
from portrait.versioning.services import DocumentServices


def _about(message, document_model) -> str:
    """``message`` (with ``%(document)s``) naming ``document_model``, translated when shown."""
    return lazy(lambda: message % {"document": document_model._meta.verbose_name}, str)()


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The version is not in a state that allows this.")
    default_code = "conflict"

    @classmethod
    def about(cls, error: DocumentStateError) -> "Conflict":
        return cls(detail=error.messages[0], code=error.code or "conflict")


class _IfMatchError(exceptions.APIException):
    """A refusal about the ``If-Match`` header, which its answer names."""

    #: The detail, with ``%(document)s`` for the document's verbose name.
    message = ""

    def __init__(self, document_model):
        super().__init__(detail=self.message % {"document": document_model._meta.verbose_name})

    @property
    def errors(self) -> dict[str, list[str]]:
        return {"If-Match": [str(self.detail)]}


class PreconditionFailed(_IfMatchError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    message = _("This version of the %(document)s has changed since you read it; fetch it again.")
    default_code = "precondition_failed"


class PreconditionRequired(_IfMatchError):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    message = _("Send the If-Match header with the ETag of the %(document)s you edit.")
    default_code = "precondition_required"


class AcknowledgementFilterSet(django_filters.FilterSet):
    """Who has acknowledged a version, or who has not yet; for any document's requests."""

    # A choice, not a BooleanFilter, so that a value other than true/false is an error.
    acknowledged = django_filters.ChoiceFilter(
        choices=[("true", _("Yes")), ("false", _("No"))],
        method="filter_acknowledged",
        label=_("Acknowledged"),
        help_text=_("true: who has acknowledged; false: who has not yet."),
    )

    def filter_acknowledged(self, queryset, name, value):
        return queryset.filter(acknowledged_at__isnull=value != "true")


def _document_schema(view) -> None:
    """Describe each action of ``view`` with its document's serializers and refusals."""
    model = view.serializer_class.Meta.model
    document, acknowledgement = view.serializer_class, view.acknowledgement_serializer_class
    errors = {
        400: OpenApiResponse(ErrorSerializer, description=_("Invalid input, by field path.")),
        403: OpenApiResponse(ErrorSerializer, description=_("Not allowed for your role.")),
        404: OpenApiResponse(
            ErrorSerializer, description=_about(_("No such %(document)s visible to you."), model)
        ),
    }
    conflict = {409: OpenApiResponse(ErrorSerializer, description=_("Not a draft."))}
    if_match = OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description=_about(_("The ETag of the %(document)s as you read it."), model),
    )
    acknowledged = OpenApiParameter(
        "acknowledged",
        OpenApiTypes.BOOL,
        description=_("true: who has acknowledged; false: who has not yet."),
    )
    extend_schema_view(
        # A new document has no object to miss: no 404.
        create=extend_schema(responses={201: document, 400: errors[400], 403: errors[403]}),
        partial_update=extend_schema(
            parameters=[if_match],
            responses={
                200: document,
                **errors,
                **conflict,
                412: OpenApiResponse(ErrorSerializer, description=_("Stale If-Match.")),
                428: OpenApiResponse(ErrorSerializer, description=_("If-Match missing.")),
            },
        ),
        publish=extend_schema(request=None, responses={200: document, **errors, **conflict}),
        copy=extend_schema(request=None, responses={201: document, **errors}),
        acknowledge=extend_schema(
            request=None, responses={200: acknowledgement, **errors, **conflict}
        ),
        acknowledgements=extend_schema(
            parameters=[acknowledged], responses={200: acknowledgement(many=True), **errors}
        ),
    )(view)


class VersionedDocumentViewSetMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Versions of a document: drafts edited under ``If-Match``, published, acknowledged.

    State conflicts (editing, publishing a non-draft; acknowledging a version not
    in force) answer 409. Acknowledging twice answers 200 with the first time.
    """

    acknowledgement_serializer_class = None
    document_services: DocumentServices
    #: Where the API's body holds a model field the services may refuse (``"hours"`` in
    #: ``"calendar.hours"``): their refusals name the field as the body does.
    error_paths: dict[str, str] = {}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        declared = getattr(cls, "serializer_class", None), cls.acknowledgement_serializer_class
        if all(declared):
            _document_schema(cls)

    def document_queryset(self, *, with_children: bool):
        """The versions the user may read; ``with_children`` fetches what is rendered."""
        raise NotImplementedError

    def visible_queryset(self):
        # Writes re-read the document after the service (``_render``): only the
        # reads render what they fetch here.
        return self.document_queryset(with_children=self.action in {"list", "retrieve"})

    @property
    def _document_model(self):
        return self.serializer_class.Meta.model

    def _respond(self, document, status_code=status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(document).data, status=status_code)
        response["ETag"] = document_etag(document)
        return response

    def _render(self, document, status_code=status.HTTP_200_OK) -> Response:
        """The document as stored after a write, with its children."""
        stored = self.document_queryset(with_children=True).get(pk=document.pk)
        return self._respond(stored, status_code)

    @contextmanager
    def _refusals_named(self):
        """Turn a service's refusal into the API's error, each field named as the body does."""
        try:
            yield
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise serializers.ValidationError(
                {self.error_paths.get(key, key): value for key, value in error.message_dict.items()}
            ) from None

    def _expected_etags(self) -> list[str] | None:
        header = self.request.headers.get("If-Match", "").strip()
        if not header:
            raise PreconditionRequired(self._document_model)
        return if_match_etags(header)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with self._refusals_named():
            document = self.document_services.create(
                user=request.user, data=serializer.validated_data
            )
        return self._render(document, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        services = self.document_services
        document = self.get_object()
        expected_etags = self._expected_etags()
        serializer = self.get_serializer(document, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            with self._refusals_named():
                document = services.update_draft(
                    **services.on(document),
                    user=request.user,
                    data=serializer.validated_data,
                    expected_etags=expected_etags,
                )
        except DocumentStaleError:
            raise PreconditionFailed(self._document_model) from None
        except DocumentStateError as error:
            raise Conflict.about(error) from error
        return self._render(document)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Put this draft in force; the previous version is archived."""
        services = self.document_services
        try:
            with self._refusals_named():
                document = services.publish(**services.on(self.get_object()), user=request.user)
        except DocumentStateError as error:
            raise Conflict.about(error) from error
        return self._render(document)

    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A new draft with this version's content."""
        services = self.document_services
        document = services.copy_as_draft(**services.on(self.get_object()), user=request.user)
        return self._render(document, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Confirm you read the published version; repeating it keeps the first time."""
        services = self.document_services
        try:
            acknowledgement = services.acknowledge(
                **services.on(self.get_object()), user=request.user
            )
        except DocumentStateError as error:
            raise Conflict.about(error) from error
        return Response(self.acknowledgement_serializer_class(acknowledgement).data)

    @action(detail=True, methods=["get"], filter_backends=[])
    def acknowledgements(self, request, pk=None):
        """Who was asked to acknowledge this version, and who has."""
        filterset = AcknowledgementFilterSet(
            request.query_params, queryset=document_acknowledgements(self.get_object())
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        serializer = self.acknowledgement_serializer_class(page, many=True)
        return self.get_paginated_response(serializer.data)
