"""The OpenAPI schema tells the truth about errors: every operation lists what it may answer.

Every error is ``config.api``'s one JSON shape. Views declare their success bodies and
any error particular to them (409, 412, 428); the refusals every operation shares are
added here, so no operation can forget them. So is what every ``POST`` accepts: the
``Idempotency-Key`` header (``config.idempotency``), with its 409, 422 and 503.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from config import idempotency
from config.api import ErrorSerializer

_DESCRIPTIONS = {
    "400": _("Invalid input: the errors name each field at fault."),
    "401": _("Not signed in: send a token or sign in."),
    "403": _("Not allowed for your role, or not yours to change."),
    "404": _("No such object visible to you."),
    "413": _("The request body is over the size limit."),
    "415": _("The request body is not JSON."),
    "429": _("Too many requests: wait for Retry-After seconds."),
    "409": _("A request with this Idempotency-Key is still in progress: retry after Retry-After."),
    "422": _("This Idempotency-Key was used for another request (another body, method or path)."),
    "503": _("Requests with an Idempotency-Key cannot be taken now: retry after Retry-After."),
}
_WRITES = {"POST", "PUT", "PATCH"}
_SUCCESSES = [200, 201, 202, 204]

_IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": "^[A-Za-z0-9._~:+/=-]+$",
    },
    location=OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Makes a retry safe: the same key with the same body gets the first success again, "
        "and nothing is written twice; with another body, 422. Kept 24 hours, per user. "
        "1 to 255 letters, digits and - _ . : ~ + / =; a UUID will do."
    ),
)
_REPLAYED = OpenApiParameter(
    idempotency.REPLAYED_HEADER,
    type={"type": "string", "enum": ["true"]},
    location=OpenApiParameter.HEADER,
    response=_SUCCESSES,
    description=_("Present when the answer is the stored one of an earlier request."),
)
_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[409, 429, 503],
    description=_("Seconds to wait before trying again."),
)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the shared error answers of each operation."""

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), _RETRY_AFTER]
        if self.method == "POST":
            parameters += [_IDEMPOTENCY_KEY, _REPLAYED]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses

    def _takes_query_parameters(self) -> bool:
        # ``self``: an operation's ``@extend_schema`` declares its parameters on a subclass
        # of this one, which ``super()`` would skip.
        return any(
            getattr(parameter, "location", None) == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
        )

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if self.method in _WRITES:
            codes += ["400", "413", "415"]
        elif self._is_list_view() or self._takes_query_parameters():
            codes.append("400")  # an invalid filter, page size, cursor or parameter
        if self.method == "POST":
            codes += ["409", "422", "503"]  # of the Idempotency-Key
        if "{" in self.path:
            codes.append("404")
        return codes
