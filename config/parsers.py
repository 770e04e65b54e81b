"""The API's request parsers."""

import io
import re

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from config.text import unstorable_path


class UnstorableText(exceptions.ParseError):
    """A JSON body holding text no database column can hold; ``errors`` names where."""

    def __init__(self, path: str):
        message = _("Text may not contain NUL characters or unpaired surrogates.")
        super().__init__(message, code="invalid")
        self.errors = {path: [message]}


# The JSON escapes of the characters ``config.text`` refuses: a body without any (nearly
# every one) is not walked, which would cost a 1000-lead push a few milliseconds.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing text with NUL characters or unpaired surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        data = super().parse(io.BytesIO(body), media_type, parser_context)
        encoding = parsers.get_encoding(parser_context or {})
        if encoding.lower().replace("-", "") != "utf8" or _UNSTORABLE_ESCAPE.search(body):
            path = unstorable_path(data)
            if path is not None:
                raise UnstorableText(path)
        return data
