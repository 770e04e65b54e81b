"""The API's one JSON error shape, for exceptions raised by services."""

from django.core.exceptions import PermissionDenied
from rest_framework.test import APIRequestFactory

from config.api import exception_handler


def answer(exc):
    request = APIRequestFactory().post("/api/v1/anything/")
    response = exception_handler(exc, {"request": request, "view": None})
    return response.status_code, response.data


def test_a_service_refusal_keeps_its_message():
    assert answer(PermissionDenied("You may not decide on this lead.")) == (
        403,
        {"detail": "You may not decide on this lead.", "code": "permission_denied", "errors": {}},
    )


def test_a_refusal_without_a_message_gets_the_generic_one():
    assert answer(PermissionDenied()) == (
        403,
        {
            "detail": "You do not have permission to perform this action.",
            "code": "permission_denied",
            "errors": {},
        },
    )


class RefusedOnAField(PermissionDenied):
    code = "field_refused"
    errors = {"source": ["Not yours."]}


def test_a_refusal_naming_a_field_keeps_its_code_and_field_errors():
    assert answer(RefusedOnAField("Not yours.")) == (
        403,
        {"detail": "Not yours.", "code": "field_refused", "errors": {"source": ["Not yours."]}},
    )
