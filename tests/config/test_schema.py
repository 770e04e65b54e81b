"""The OpenAPI schema documents every error an operation may answer, in the one error shape."""

import pytest
from drf_spectacular.generators import SchemaGenerator

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def error_schema(operation, code: str) -> dict:
    return operation["responses"][code]["content"]["application/json"]["schema"]


def test_every_operation_documents_the_refusals_it_shares(operations):
    for method, path, operation in operations:
        for code in ("401", "403", "429"):
            assert error_schema(operation, code) == ERROR, f"{method} {path} {code}"


def test_every_write_documents_invalid_input_and_the_body_limits(operations):
    writes = [entry for entry in operations if entry[0] in {"POST", "PUT", "PATCH"}]
    assert writes
    for method, path, operation in writes:
        for code in ("400", "413", "415"):
            assert error_schema(operation, code) == ERROR, f"{method} {path} {code}"


def test_every_operation_on_one_object_documents_not_found(operations):
    for method, path, operation in operations:
        if "{" in path:
            assert error_schema(operation, "404") == ERROR, f"{method} {path}"


def test_the_error_shape_names_its_three_fields():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    error = schema["components"]["schemas"]["Error"]

    assert sorted(error["properties"]) == ["code", "detail", "errors"]
    assert sorted(error["required"]) == ["code", "detail", "errors"]


def test_every_post_accepts_an_idempotency_key_and_documents_its_refusals(operations):
    posts = [entry for entry in operations if entry[0] == "POST"]
    assert posts
    for method, path, operation in posts:
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[A-Za-z0-9._~:+/=-]+$",
        }, f"{method} {path}"
        assert headers["Idempotency-Key"].get("required", False) is False
        for code in ("409", "422", "503"):
            assert error_schema(operation, code) == ERROR, f"{method} {path} {code}"
        successes = [code for code in operation["responses"] if code.startswith("2")]
        for code in successes:
            replayed = operation["responses"][code]["headers"]["Idempotent-Replayed"]
            assert replayed["schema"] == {"type": "string", "enum": ["true"]}


def test_only_posts_take_an_idempotency_key(operations):
    for method, path, operation in operations:
        if method != "POST":
            names = [parameter["name"] for parameter in operation.get("parameters", [])]
            assert "Idempotency-Key" not in names, f"{method} {path}"


def test_every_throttled_answer_documents_retry_after(operations):
    for method, path, operation in operations:
        headers = operation["responses"]["429"]["headers"]
        assert headers["Retry-After"]["schema"] == {"type": "integer"}, f"{method} {path}"
