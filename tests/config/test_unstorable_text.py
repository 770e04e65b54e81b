"""JSON text no database column can hold (NUL, unpaired surrogates): a 400 naming it."""

import json

import pytest
from django.urls import reverse

from portrait import roles
from portrait.models import Portrait
from qualification.models import Lead

BULK_URL = reverse("v1:lead-bulk-upsert")
MESSAGE = "Text may not contain NUL characters or unpaired surrogates."


def post_raw(client, url: str, body: dict):
    # json.dumps escapes both characters the way a client's encoder would.
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


def lead(**fields) -> dict:
    return {"external_id": "a", "company_name": "Acme", **fields}


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"])
@pytest.mark.parametrize(
    ("item", "path"),
    [
        (lambda bad: lead(company_name=f"Ac{bad}me"), "leads[1].company_name"),
        (lambda bad: lead(external_id=bad), "leads[1].external_id"),
        (lambda bad: lead(attributes={"notes": ["ok", bad]}), "leads[1].attributes.notes[1]"),
    ],
)
def test_a_push_with_unstorable_text_is_a_400_naming_it_and_writes_nothing(
    client_for, bad, item, path
):
    client = client_for(roles.INTEGRATIONS)
    body = {"source": "erp", "leads": [lead(external_id="fine"), item(bad)]}
    response = post_raw(client, BULK_URL, body)
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE, "code": "invalid", "errors": {path: [MESSAGE]}}
    assert not Lead.objects.exists()


def test_an_unstorable_key_is_named_escaped(client_for):
    client = client_for(roles.INTEGRATIONS)
    body = {"source": "erp", "leads": [lead(attributes={"\ud800": 1})]}
    response = post_raw(client, BULK_URL, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"leads[0].attributes.\\ud800": [MESSAGE]}


def test_escaped_characters_that_are_storable_pass(client_for):
    client = client_for(roles.INTEGRATIONS)
    # A surrogate pair (one emoji) and a backslash followed by the text u0000.
    body = {"source": "erp", "leads": [lead(company_name="Acme \U0001f600", region="\\u0000")]}
    response = post_raw(client, BULK_URL, body)
    assert response.status_code == 200, response.json()
    assert Lead.objects.get().company_name == "Acme \U0001f600"
    assert Lead.objects.get().region == "\\u0000"


def test_every_json_endpoint_refuses_it(client_for):
    client = client_for(roles.ADMINS)
    response = post_raw(client, reverse("v1:portrait-list"), {"name": "Ideal\ud800client"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": [MESSAGE]}
    assert not Portrait.objects.exists()


def test_the_refusal_speaks_the_client_language(client_for):
    client = client_for(roles.INTEGRATIONS)
    body = json.dumps({"source": "erp", "leads": [lead(region="\x00")]})
    response = client.generic(
        "POST", BULK_URL, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="uk"
    )
    assert response.status_code == 400
    ukrainian = "Текст не може містити символів NUL або непарних сурогатів."
    assert response.json()["errors"] == {"leads[0].region": [ukrainian]}
