"""Safe retries: a POST sent again with the same ``Idempotency-Key`` gets the first answer.

Every API viewset derives from ``config.permissions.ActionViewSet``, which mixes in
``IdempotentPostMixin``: each ``POST`` of the API, present and future, honours the header
without declaring anything. A client that sends no key gets no protection and pays
nothing.

The rules:

- A key is scoped to the user: another user's identical key is another key.
- The request is fingerprinted by method, path (with its query) and body; the body is
  compared as parsed data, so key order and white space do not matter.
- The first request claims the key in the cache with ``cache.add``, which is atomic on
  every backend (``SET NX`` on Redis). A second request with the key while the first runs
  gets 409 with ``Retry-After`` at once (it does not wait: a waiting request would hold a
  web worker for as long as the first one runs).
- A success (2xx) is stored, rendered, for ``IDEMPOTENCY_KEY_SECONDS`` (24 hours) and
  replayed to a retry with the same fingerprint, marked ``Idempotent-Replayed: true``;
  the view does not run again, so nothing is written twice. A retry with another body,
  method or path gets 422.
- Nothing else is stored: the API's refusals (4xx) write nothing, so running a refused
  request again cannot write twice, and a client that corrects its body may keep its
  key. A server error is not stored either: the retry runs again. The claim is released
  in both cases.
- A claim left by a process that died mid-request expires after
  ``IDEMPOTENCY_LOCK_SECONDS``, which must exceed the server's request timeout.
- While the cache is unreachable a request with a key gets 503 and runs nothing: its
  client asked never to write twice, and cannot be promised it. A request without a key
  runs as usual. A success whose answer cannot be stored is still answered.
"""

import hashlib
import json
import logging
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.http import HttpResponse, QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Visible ASCII without quotes, backslash, comma or space: UUIDs, ULIDs, base64 and the like.
_KEY = re.compile(r"[A-Za-z0-9._~:+/=-]+")
# A structured-field string (``"..."``, as the IETF draft writes the key) is accepted too.
_QUOTED = re.compile(r'"(.*)"')
# The headers of a stored answer that belong to it; the rest is set again on the way out.
_KEPT_HEADERS = ("Content-Type", "ETag", "Location")
_IN_PROGRESS = "in_progress"
_DONE = "done"

logger = logging.getLogger(__name__)


class InvalidKey(exceptions.ValidationError):
    """The header is empty, too long or holds characters a key may not hold (400)."""

    def __init__(self):
        super().__init__(
            {
                HEADER: [
                    _(
                        "An idempotency key is 1 to %(limit)d characters: letters, digits "
                        "and - _ . : ~ + / =."
                    )
                    % {"limit": MAX_KEY_LENGTH}
                ]
            },
            code="invalid",
        )


class KeyReused(exceptions.APIException):
    """The key was used by this user for a request with another body, method or path (422)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was used for another request: send a new key for a new request."
    )

    def __init__(self):
        super().__init__()
        self.errors = {HEADER: [str(self.detail)]}


class KeyInProgress(exceptions.APIException):
    """The first request with this key has not answered yet (409, retry after a second)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = _("A request with this Idempotency-Key is still in progress: retry shortly.")
    # Read by DRF's exception handler: the answer carries ``Retry-After``.
    wait = 1

    def __init__(self):
        super().__init__()
        self.errors = {HEADER: [str(self.detail)]}


class KeysUnavailable(exceptions.APIException):
    """The cache holding the keys cannot be reached (503): nothing ran, retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "idempotency_unavailable"
    default_detail = _(
        "Requests with an Idempotency-Key cannot be taken for a moment: nothing was done; "
        "retry shortly."
    )
    wait = 5

    def __init__(self):
        super().__init__()
        self.errors = {HEADER: [str(self.detail)]}


class Replay(Exception):
    """Raised before the view runs: ``response`` is the stored answer to send instead."""

    def __init__(self, response: HttpResponse):
        super().__init__()
        self.response = response


def _client_key(request) -> str | None:
    """The key the client sent, or ``None`` without the header; ``InvalidKey`` if malformed."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    value = raw.strip()
    quoted = _QUOTED.fullmatch(value)
    if quoted:
        value = quoted.group(1)
    if not (0 < len(value) <= MAX_KEY_LENGTH and _KEY.fullmatch(value)):
        raise InvalidKey
    return value


def _file_digest(value: File) -> str:
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return f"file:{value.name}:{digest.hexdigest()}"


def _encode_other(value) -> str:
    if isinstance(value, File):
        return _file_digest(value)
    return str(value)


def fingerprint(request) -> str:
    """What makes two requests the same request: method, path with query, parsed body."""
    data = request.data
    if isinstance(data, QueryDict):
        data = {name: data.getlist(name) for name in sorted(data)}
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=_encode_other)
    text = json.dumps([request.method, request.get_full_path(), body], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _cache_key(user, key: str) -> str:
    # Hashed: a cache key stays short and printable whatever the client's key.
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"idempotency:{user.pk}:{digest}"


class Claim:
    """This request's hold on its key until its answer is stored or the key released."""

    def __init__(self, cache_key: str, fingerprint: str):
        self.cache_key = cache_key
        self.fingerprint = fingerprint
        self.token = secrets.token_hex(8)

    def settle(self, response) -> None:
        """Store a success for replay; release the key after anything else."""
        if not status.is_success(response.status_code) or response.streaming:
            self.release()
            return
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        entry = {
            "state": _DONE,
            "fingerprint": self.fingerprint,
            "status": response.status_code,
            "content": response.content,
            "headers": {name: response[name] for name in _KEPT_HEADERS if name in response},
        }
        try:
            cache.set(self.cache_key, entry, timeout=settings.IDEMPOTENCY_KEY_SECONDS)
        except Exception:
            # The work is done: its answer goes out. A retry gets 409 until the claim
            # expires, and then runs again.
            logger.exception("The answer to an idempotent request could not be stored.")

    def release(self) -> None:
        try:
            entry = cache.get(self.cache_key)
            # Only our own claim: one that expired may since belong to a newer request.
            if entry and entry.get("token") == self.token:
                cache.delete(self.cache_key)
        except Exception:
            logger.exception("An idempotency key could not be released.")


def claim(request) -> Claim | None:
    """Claim the request's key; ``None`` when it sent none.

    Raises ``Replay`` with the stored answer, ``KeyReused`` (422), ``KeyInProgress``
    (409), ``InvalidKey`` (400) or ``KeysUnavailable`` (503).
    """
    key = _client_key(request)
    if key is None:
        return None
    held = Claim(_cache_key(request.user, key), fingerprint(request))
    marker = {"state": _IN_PROGRESS, "fingerprint": held.fingerprint, "token": held.token}
    # Twice: the entry found by a failed ``add`` may expire before it is read.
    for _attempt in range(2):
        try:
            if cache.add(held.cache_key, marker, timeout=settings.IDEMPOTENCY_LOCK_SECONDS):
                return held
            entry = cache.get(held.cache_key)
        except Exception as error:
            logger.exception("The idempotency keys cannot be reached.")
            raise KeysUnavailable from error
        if entry is None:
            continue
        if entry["fingerprint"] != held.fingerprint:
            raise KeyReused
        if entry["state"] == _IN_PROGRESS:
            raise KeyInProgress
        raise Replay(_stored_response(entry))
    raise KeyInProgress


def _stored_response(entry: dict) -> HttpResponse:
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"].items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotentPostMixin:
    """For API views: every ``POST`` honours ``Idempotency-Key`` (see the module's rules).

    The key is claimed after authentication, permissions and throttles, so a refused
    caller learns nothing of stored answers; the view's answer is settled on the way out.
    """

    _idempotency_claim: Claim | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST":
            self._idempotency_claim = claim(request)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return exc.response
        try:
            return super().handle_exception(exc)
        except BaseException:
            # A server error: nothing stored, the retry runs again.
            self._release_claim()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        held, self._idempotency_claim = self._idempotency_claim, None
        if held is not None:
            held.settle(response)
        return response

    def _release_claim(self) -> None:
        held, self._idempotency_claim = self._idempotency_claim, None
        if held is not None:
            held.release()
