"""Requests refused before any view reads them."""

from django.http import HttpResponseBadRequest, JsonResponse

from config import body_limit
from config.api import error_body
from config.text import UNSTORABLE_TEXT, is_storable, surrogates_escaped


class ApiBodyLimitMiddleware:
    """An API body declared over ``API_MAX_BODY_BYTES`` gets a JSON 413 naming the limit.

    It answers before authentication, so nobody's oversized body is held in memory; the
    body is drained first (``body_limit.discard``), so the client reads the answer.
    Pages keep Django's own limit and its HTML 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            length = _declared_length(request)
            limit = body_limit.limit_for(request.path)
            if length > limit:
                body_limit.discard(request, length)
                return JsonResponse(body_limit.too_large_body(limit), status=413)
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RefuseUnstorableQueryMiddleware:
    """A query parameter holding a NUL character (``?q=%00``) is a 400, not a server error.

    Forms and filters refuse it where they validate, but not every reader of the query
    string validates (the admin's search and list filters), and PostgreSQL cannot
    compare text with NUL. Unpaired surrogates cannot arrive here: Django decodes the
    query string replacing bad UTF-8; the check covers them anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if not (is_storable(name) and all(is_storable(value) for value in values)):
                return _refusal(request, surrogates_escaped(name))
        return self.get_response(request)


def _refusal(request, name: str):
    message = str(UNSTORABLE_TEXT)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, "invalid", {name: [message]}), status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
