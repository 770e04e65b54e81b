"""Requests refused before any view reads them."""

from django.http import HttpResponseBadRequest, JsonResponse

from config.api import error_body
from config.text import UNSTORABLE_TEXT, is_storable, surrogates_escaped


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
