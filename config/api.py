"""API plumbing shared by every app: one JSON error shape, stable pagination.

Every error answers ``{"detail": str, "code": str, "errors": {path: [str]}}``;
``errors`` names the offending fields (empty when no field is at fault).
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.views import exception_handler as drf_exception_handler


class StablePagination(CursorPagination):
    """Cursor pagination over the primary key: stable under concurrent inserts.

    A ``page_size`` out of its bounds is a 400 naming it, not silently another size.
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        digits = len(str(self.max_page_size))
        if not (raw.isdecimal() and len(raw) <= digits and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(limit)d.") % {"limit": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("This is not a cursor the API gave.")]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"leads[3].country": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # ListSerializer errors are keyed by item index
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, value in enumerate(detail):
                if value:
                    flat.update(_flatten(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


class ErrorSerializer(serializers.Serializer):
    """The JSON body of every API error, as the schema describes it."""

    detail = serializers.CharField(help_text=_lazy("What went wrong, in the client's language."))
    code = serializers.CharField(help_text=_lazy("A stable code, e.g. invalid or not_found."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_lazy(
            "Field path (leads[3].country) → messages; empty when no field is at fault."
        ),
    )


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    return {"detail": detail, "code": code, "errors": errors or {}}


def exception_handler(exc, context):
    # A refusal may name the fields (or headers) at fault: an ``errors`` dict on it.
    named = getattr(exc, "errors", None)
    field_errors = named if isinstance(named, dict) else {}
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service's refusal keeps its message and code; a bare one gets DRF's generic one.
        exc = exceptions.PermissionDenied(detail=str(exc) or None, code=getattr(exc, "code", None))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(_("Invalid input."), "invalid", _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        errors = _flatten(detail) if isinstance(detail, dict | list) else {}
        if errors:
            response.data = error_body(_("Invalid input."), code, errors)
        else:
            response.data = error_body(str(detail), code, field_errors)
    return response


def api_bad_request(request, exception=None):
    """A request Django refused before the API could read it (a ``SuspiciousOperation``)."""
    return JsonResponse(error_body(_("Bad request."), "bad_request"), status=400)


def api_not_found(request, exception=None):
    return JsonResponse(error_body(_("Not found."), "not_found"), status=404)


def api_server_error(request):
    return JsonResponse(error_body(_("A server error occurred."), "server_error"), status=500)
