from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.permissions import ActionViewSet, requires
from portrait import selectors, services
from portrait.api.filtersets import PortraitAcknowledgementFilterSet
from portrait.api.serializers import (
    ErrorSerializer,
    PortraitAcknowledgementSerializer,
    PortraitSerializer,
)
from portrait.permissions import (
    ACKNOWLEDGE,
    CREATE,
    PUBLISH,
    READ,
    VIEW_ACKNOWLEDGEMENTS,
    WRITE,
)
from portrait.versioning.errors import DocumentStaleError, DocumentStateError
from portrait.versioning.etags import document_etag, if_match_etags


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The portrait is not in a state that allows this.")
    default_code = "conflict"


class _IfMatchError(exceptions.APIException):
    """A refusal about the ``If-Match`` header, which its answer names."""

    @property
    def errors(self) -> dict[str, list[str]]:
        return {"If-Match": [str(self.detail)]}


class PreconditionFailed(_IfMatchError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The portrait has changed since you read it; fetch it again.")
    default_code = "precondition_failed"


class PreconditionRequired(_IfMatchError):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("Send the If-Match header with the ETag of the portrait you edit.")
    default_code = "precondition_required"


def _conflict(error: DocumentStateError) -> Conflict:
    return Conflict(detail=error.messages[0], code=error.code or "conflict")


def _if_match(request) -> list[str] | None:
    """The ETags of ``If-Match``; ``None`` for ``*`` (any version)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired
    return if_match_etags(header)


_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("Invalid input, by field path.")),
    403: OpenApiResponse(ErrorSerializer, description=_("Not allowed for your role.")),
    404: OpenApiResponse(ErrorSerializer, description=_("No such portrait visible to you.")),
}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description=_("Not a draft."))}
_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=_("The ETag of the portrait as you read it."),
)


class PortraitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ActionViewSet):
    """Portrait versions. Drafts are seen and edited by admins only; edits need ``If-Match``.

    State conflicts (editing, publishing a non-draft; acknowledging a version not
    in force) answer 409. Acknowledging twice answers 200 with the first time.
    """

    serializer_class = PortraitSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "list": requires(READ),
        "retrieve": requires(READ),
        "create": requires(READ, CREATE, WRITE),
        "partial_update": requires(READ, WRITE),
        "publish": requires(READ, PUBLISH),
        "copy": requires(READ, CREATE, WRITE),
        "acknowledge": requires(READ, ACKNOWLEDGE),
        "acknowledgements": requires(READ, VIEW_ACKNOWLEDGEMENTS),
    }

    def visible_queryset(self):
        # Writes re-read the portrait after the service (``_render``): only the
        # reads render what they fetch here.
        return selectors.portrait_list_for_user(
            self.request.user, with_children=self.action in {"list", "retrieve"}
        )

    def _respond(self, portrait, status_code=status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(portrait).data, status=status_code)
        response["ETag"] = document_etag(portrait)
        return response

    def _render(self, portrait, status_code=status.HTTP_200_OK) -> Response:
        """The portrait as stored after a write, with its segments and exclusions."""
        stored = selectors.portrait_list_for_user(self.request.user, with_children=True)
        return self._respond(stored.get(pk=portrait.pk), status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    @extend_schema(responses={201: PortraitSerializer, **_ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        portrait = services.portrait_create(user=request.user, data=serializer.validated_data)
        return self._render(portrait, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[_IF_MATCH],
        responses={
            200: PortraitSerializer,
            **_ERRORS,
            **_CONFLICT,
            412: OpenApiResponse(ErrorSerializer, description=_("Stale If-Match.")),
            428: OpenApiResponse(ErrorSerializer, description=_("If-Match missing.")),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        portrait = self.get_object()
        expected_etags = _if_match(request)
        serializer = self.get_serializer(portrait, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            portrait = services.portrait_update_draft(
                portrait=portrait,
                user=request.user,
                data=serializer.validated_data,
                expected_etags=expected_etags,
            )
        except DocumentStaleError:
            raise PreconditionFailed from None
        except DocumentStateError as error:
            raise _conflict(error) from error
        return self._render(portrait)

    @extend_schema(request=None, responses={200: PortraitSerializer, **_ERRORS, **_CONFLICT})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Put this draft in force; the previous version is archived."""
        try:
            portrait = services.portrait_publish(portrait=self.get_object(), user=request.user)
        except DocumentStateError as error:
            raise _conflict(error) from error
        return self._render(portrait)

    @extend_schema(request=None, responses={201: PortraitSerializer, **_ERRORS})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A new draft with this version's content."""
        portrait = services.portrait_copy_as_draft(portrait=self.get_object(), user=request.user)
        return self._render(portrait, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: PortraitAcknowledgementSerializer, **_ERRORS, **_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Confirm you read the published version; repeating it keeps the first time."""
        try:
            acknowledgement = services.portrait_acknowledge(
                portrait=self.get_object(), user=request.user
            )
        except DocumentStateError as error:
            raise _conflict(error) from error
        return Response(PortraitAcknowledgementSerializer(acknowledgement).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "acknowledged",
                OpenApiTypes.BOOL,
                description=_("true: who has acknowledged; false: who has not yet."),
            )
        ],
        responses={200: PortraitAcknowledgementSerializer(many=True), **_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def acknowledgements(self, request, pk=None):
        """Who was asked to acknowledge this version, and who has."""
        filterset = PortraitAcknowledgementFilterSet(
            request.query_params, queryset=selectors.acknowledgement_list(self.get_object())
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        serializer = PortraitAcknowledgementSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)
