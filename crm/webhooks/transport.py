"""One HTTP POST to a receiver, with the standard library: short timeouts, no redirects.

``http.client`` rather than ``urllib``: it follows no redirect and reads no proxy from
the environment, so a message goes to the address an admin configured and nowhere else.
"""

import http.client
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

#: How much of a receiver's answer is kept with the attempt: enough to see why it failed.
RESPONSE_EXCERPT_BYTES = 1024


class Answer(NamedTuple):
    status_code: int
    text: str
    location: str


class TransportError(Exception):
    """The message did not reach the receiver, or no answer came back in time."""


def post(url: str, *, body: bytes, headers: Mapping[str, str], timeout: float) -> Answer:
    """POST ``body`` to ``url``; ``timeout`` bounds connecting and each wait for data."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as error:
        raise TransportError(f"invalid URL: {error}") from error
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError(f"not an http(s) URL: {url}")
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        text = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
        return Answer(response.status, text, response.getheader("Location") or "")
    except (OSError, http.client.HTTPException) as error:
        raise TransportError(f"{type(error).__name__}: {error}") from error
    finally:
        connection.close()
