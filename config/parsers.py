"""The API's JSON parsers: DRF's, answering what it cannot take with a 400 or 413, not a 500."""

import io
import re

from rest_framework import exceptions, parsers, renderers

from config.body_limit import read_body
from config.json_depth import BEYOND_PARSING
from config.text import UNSTORABLE_TEXT, unstorable_path

# The JSON escapes of the characters ``config.text`` refuses: a body without any (nearly
# every one) is not walked, which would cost a 1000-lead push a few milliseconds.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class UnstorableText(exceptions.ParseError):
    """A JSON body holding text no database column can hold; ``errors`` names where."""

    def __init__(self, path: str):
        super().__init__(str(UNSTORABLE_TEXT), code="invalid")
        self.errors = {path: [str(UNSTORABLE_TEXT)]}


class JSONParser(parsers.BaseParser):
    """DRF's JSON parser; refuses text with NUL characters or unpaired surrogates.

    A body nested too deep for Python's parser is a parse error too (DRF lets its
    RecursionError through as a 500), and a body over ``API_MAX_BODY_BYTES`` a 413.
    It wraps DRF's parser rather than deriving from it: DRF reads a ``JSONParser``'s
    body through ``request.body``, which refuses anything over Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (meant for forms) with an HTML 400.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    refuses_unstorable_text = True
    _json = parsers.JSONParser()

    def parse(self, stream, media_type=None, parser_context=None):
        body = read_body(stream)
        try:
            data = self._json.parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(str(BEYOND_PARSING)) from error
        if self.refuses_unstorable_text and self._may_hold_unstorable_text(body, parser_context):
            path = unstorable_path(data)
            if path is not None:
                raise UnstorableText(path)
        return data

    @staticmethod
    def _may_hold_unstorable_text(body: bytes, parser_context) -> bool:
        encoding = parsers.get_encoding(parser_context or {})
        return encoding.lower().replace("-", "") != "utf8" or bool(_UNSTORABLE_ESCAPE.search(body))


class ItemCheckingJSONParser(JSONParser):
    """For endpoints whose service reports unstorable text per item (bulk upsert)."""

    refuses_unstorable_text = False
