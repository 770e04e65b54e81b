"""How large a body the API reads, and the JSON 413 that answers a larger one.

``API_MAX_BODY_BYTES`` fits the largest batch the API documents (see the settings for
the arithmetic). A declared length over it is refused by ``ApiBodyLimitMiddleware``
before anything reads the body; a body without a declared length is cut by the JSON
parser as it reads. Django's own ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) stays the
limit of pages and forms: the API's JSON parser does not go through ``request.body``.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

TOO_LARGE = _("The request body may be at most %(limit)d bytes.")
# A refused body is read and thrown away first, up to this many times the limit: a
# server that answers without reading closes the connection on unread data, and the
# client sees a reset instead of the answer (as it did past about 16 MB).
_DRAIN_FACTOR = 4
_CHUNK = 1 << 20


class BodyTooLarge(exceptions.APIException):
    """The body is over the limit (413); the message names the limit in bytes."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__(detail=TOO_LARGE % {"limit": limit})


def limit() -> int:
    return settings.API_MAX_BODY_BYTES


#: API paths whose uploads are streamed to disk: their own, larger limit.
UPLOAD_PATHS = ("/api/v1/lead-imports/",)


def limit_for(path: str) -> int:
    """The body limit of ``path``: uploads streamed to disk have ``LEAD_IMPORT_MAX_BYTES``."""
    if path in UPLOAD_PATHS:
        return settings.LEAD_IMPORT_MAX_BYTES
    return limit()


def too_large_body(limit: int) -> dict:
    """The JSON error body of a 413, for answers given outside DRF."""
    # Imported here: config.api imports DRF's views, which import the parsers, which import us.
    from config.api import error_body

    return error_body(str(TOO_LARGE % {"limit": limit}), BodyTooLarge.default_code)


def discard(stream, length: int | None = None) -> None:
    """Read and drop what is left of the body, up to ``_DRAIN_FACTOR`` times the limit."""
    budget = limit() * _DRAIN_FACTOR
    if length is not None and length > budget:
        return
    while budget > 0:
        chunk = stream.read(min(_CHUNK, budget))
        if not chunk:
            return
        budget -= len(chunk)


def read_body(stream) -> bytes:
    """The whole body of an API request; ``BodyTooLarge`` past the limit."""
    maximum = limit()
    body = stream.read(maximum + 1)
    if len(body) > maximum:
        discard(stream)
        raise BodyTooLarge(maximum)
    return body
