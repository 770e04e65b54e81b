"""The API reads bodies up to ``API_MAX_BODY_BYTES``; a larger one gets a JSON 413 naming it.

The default fits the largest batch the API documents (1000 leads, attributes of 16 KB,
every field at its longest), even from a client that escapes non-ASCII text.
"""

import io
import json
import os
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from config.body_limit import BodyTooLarge
from config.parsers import JSONParser
from portrait import roles
from qualification.models import Lead
from qualification.sync.validation import MAX_ATTRIBUTES_BYTES, MAX_ITEMS

ROOT = Path(__file__).resolve().parents[2]
URL = reverse("v1:lead-bulk-upsert")
# A Cyrillic letter: two bytes in UTF-8, six escaped (\u0457); the widest a common JSON
# encoder writes text, per byte the sync measures.
LETTER = "ї"


def largest_attributes() -> dict:
    """Attributes as long as the sync accepts, measured as it measures them."""
    overhead = len(json.dumps({"k": ""}, ensure_ascii=False).encode())
    letters = (MAX_ATTRIBUTES_BYTES - overhead) // len(LETTER.encode())
    return {"k": LETTER * letters}


def largest_lead(index: int, attributes: dict) -> dict:
    external_id = f"{index:04d}" + LETTER * 124
    return {
        "external_id": external_id,
        "company_name": LETTER * 255,
        "country": "UA",
        "region": LETTER * 128,
        "industry": LETTER * 32,
        "employees": 2_147_483_647,
        "annual_revenue": "9999999999999999.99",
        "channel": LETTER * 64,
        "email": f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 61}",
        "phone": "+" + "1" * 31,
        "website": f"https://{LETTER * 243}.укр",
        "attributes": attributes,
        "updated_at": "2025-03-01T10:00:00.000000+00:00",
    }


def largest_batch() -> bytes:
    attributes = largest_attributes()
    leads = [largest_lead(index, attributes) for index in range(MAX_ITEMS)]
    # Python's default: every non-ASCII letter escaped, ", " and ": " between items.
    return json.dumps({"source": "s" * 64, "leads": leads}).encode()


@pytest.fixture
def integration(client_for):
    return client_for(roles.INTEGRATIONS)


def test_the_largest_documented_batch_fits_the_default_limit_and_is_written(integration):
    body = largest_batch()
    assert len(body) == 54_800_089
    assert len(body) <= settings.API_MAX_BODY_BYTES == 56 * 1024 * 1024

    response = integration.post(URL, body, content_type="application/json")

    assert response.status_code == 200, response.content[:500]
    assert response.json() == {"created": 1000, "updated": 0, "unchanged": 0, "errors": []}
    assert Lead.objects.count() == 1000


def test_a_body_over_the_limit_is_a_json_413_naming_the_limit_and_writes_nothing(
    integration, settings
):
    settings.API_MAX_BODY_BYTES = 1000
    body = json.dumps({"source": "erp", "leads": [{"external_id": "x" * 1000}]})

    response = integration.post(URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body may be at most 1000 bytes.",
        "code": "too_large",
        "errors": {},
    }
    assert Lead.objects.count() == 0


def test_a_body_of_exactly_the_limit_is_read(integration, settings):
    body = json.dumps({"source": "erp", "leads": []}).encode()
    settings.API_MAX_BODY_BYTES = len(body)

    response = integration.post(URL, body, content_type="application/json")

    assert response.status_code == 200


def test_an_oversized_body_is_refused_before_anyone_is_authenticated(api_client, settings):
    settings.API_MAX_BODY_BYTES = 10

    response = api_client.post(URL, b"{" + b" " * 20 + b"}", content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_the_413_speaks_the_clients_language(api_client, settings):
    settings.API_MAX_BODY_BYTES = 10

    # The middleware activates Ukrainian for the rest of the thread: restore the language.
    with translation.override(settings.LANGUAGE_CODE):
        response = api_client.post(
            URL, b"{" + b" " * 20 + b"}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="uk"
        )

    assert response.status_code == 413
    assert response["Content-Language"] == "uk"


def test_a_body_whose_length_is_not_declared_is_cut_at_the_limit_by_the_parser(settings):
    settings.API_MAX_BODY_BYTES = 10

    with pytest.raises(BodyTooLarge) as refused:
        JSONParser().parse(io.BytesIO(b'{"a": "' + b"x" * 20 + b'"}'))

    assert refused.value.status_code == 413
    assert str(refused.value.detail) == "The request body may be at most 10 bytes."


def test_a_json_body_over_djangos_form_limit_is_read_by_the_api(integration):
    # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE when read as ``request.body``
    # (with an HTML 400); the API's JSON is not read that way.
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"source": "erp", "leads": [], "padding": padding})

    response = integration.post(URL, body, content_type="application/json")

    assert response.status_code == 200


def test_a_form_body_over_djangos_form_limit_is_a_json_413_on_the_api(client_for):
    client = client_for(roles.SALES_MANAGERS)
    body = "name=" + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client.post(
        reverse("v1:sales-plan-list"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.json() == {
        "detail": f"The request body may be at most {limit} bytes.",
        "code": "too_large",
        "errors": {},
    }


def test_a_form_with_too_many_fields_is_a_json_400_on_the_api(client_for):
    client = client_for(roles.SALES_MANAGERS)
    body = "&".join(f"f{index}=1" for index in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = client.post(
        reverse("v1:sales-plan-list"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request.", "code": "bad_request", "errors": {}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn():
    """The app under gunicorn on loopback, with an 8 MB API body limit."""
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "API_MAX_BODY_BYTES": "8000000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=environment,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_under_gunicorn_a_body_far_over_the_limit_gets_the_413_not_a_reset(gunicorn):
    # Before, past about 16 MB the server answered without reading and the client saw
    # its connection reset.
    body = b"{" + b" " * (20 * 1024 * 1024) + b"}"
    connection = HTTPConnection("127.0.0.1", gunicorn, timeout=30)

    connection.request("POST", URL, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()

    assert response.status == 413
    assert json.loads(response.read())["detail"] == (
        "The request body may be at most 8000000 bytes."
    )
