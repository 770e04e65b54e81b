"""The OpenAPI schema tells the truth about errors: every operation lists what it may answer.

Every error is ``config.api``'s one JSON shape. Views declare their success bodies and
any error particular to them (409, 412, 428); the refusals every operation shares are
added here, so no operation can forget them. A throttled answer documents its
``Retry-After``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from config.api import ErrorSerializer

_DESCRIPTIONS = {
    "400": _("Invalid input: the errors name each field at fault."),
    "401": _("Not signed in: send a token or a session."),
    "403": _("Not allowed for your role, or not yours to change."),
    "404": _("No such object visible to you."),
    "413": _("The body is over the size limit."),
    "415": _("The body is not JSON."),
    "429": _("Too many requests: wait for Retry-After seconds."),
}
_WRITES = {"POST", "PUT", "PATCH"}
_RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description=_("Seconds to wait before trying again."),
)


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the shared error answers of each operation."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), _RETRY_AFTER]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                error = OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code])
                responses[code] = self._get_response_for_code(error, code, direction=direction)
        return responses

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if self.method in _WRITES:
            codes += ["400", "413", "415"]
        elif self.get_filter_backends() and self._is_list_view():
            codes.append("400")  # an invalid filter value
        if "{" in self.path:
            codes.append("404")
        return codes
