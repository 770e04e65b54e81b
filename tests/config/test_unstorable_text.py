"""Text no database column can hold (NUL, unpaired surrogates): refused, never a 500."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from config.forms import StorableJSONFormField
from portrait import roles
from portrait.models import Portrait
from qualification.models import Lead

BULK_URL = reverse("v1:lead-bulk-upsert")
PORTRAITS_URL = reverse("v1:portrait-list")
MESSAGE = "Text may not contain NUL characters or unpaired surrogates."


def post_raw(client, url: str, body: str | dict, **headers):
    # json.dumps escapes both characters the way a client's encoder would.
    text = body if isinstance(body, str) else json.dumps(body)
    return client.generic("POST", url, text, content_type="application/json", **headers)


def lead(**fields) -> dict:
    return {"external_id": "a", "company_name": "Acme", **fields}


# --- bulk upsert: the item's error, the rest written --------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\udfff"])
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (lambda bad: {"company_name": f"Ac{bad}me"}, "company_name"),
        (lambda bad: {"region": bad}, "region"),
        (lambda bad: {"attributes": {"notes": ["ok", bad]}}, "attributes"),
        (lambda bad: {"attributes": {bad: 1}}, "attributes"),
    ],
)
def test_a_pushed_lead_with_unstorable_text_is_that_items_error(client_for, bad, fields, field):
    client = client_for(roles.INTEGRATIONS)
    body = {"source": "erp", "leads": [lead(external_id="fine"), lead(**fields(bad))]}
    response = post_raw(client, BULK_URL, body)
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {"index": 1, "external_id": "a", "errors": {field: [MESSAGE]}}
    ]
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["fine"]


def test_an_unstorable_external_id_is_echoed_escaped(client_for):
    client = client_for(roles.INTEGRATIONS)
    response = post_raw(client, BULK_URL, {"source": "erp", "leads": [lead(external_id="\ud800")]})
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {"index": 0, "external_id": "\\ud800", "errors": {"external_id": [MESSAGE]}}
    ]


def test_escaped_characters_that_are_storable_pass(client_for):
    client = client_for(roles.INTEGRATIONS)
    # A surrogate pair (one emoji) and a backslash followed by the text u0000.
    body = {"source": "erp", "leads": [lead(company_name="Acme \U0001f600", region="\\u0000")]}
    response = post_raw(client, BULK_URL, body)
    assert response.json()["created"] == 1, response.json()
    assert Lead.objects.get().company_name == "Acme \U0001f600"
    assert Lead.objects.get().region == "\\u0000"


def test_the_items_error_speaks_the_client_language(client_for):
    client = client_for(roles.INTEGRATIONS)
    body = {"source": "erp", "leads": [lead(region="\x00")]}
    response = post_raw(client, BULK_URL, body, HTTP_ACCEPT_LANGUAGE="uk")
    ukrainian = "Текст не може містити символів NUL або непарних сурогатів."
    assert response.json()["errors"][0]["errors"] == {"region": [ukrainian]}


# --- other JSON bodies: a 400 naming where ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ('{"name": "Ideal\\ud800client"}', "name"),
        ('{"name": "Ideal client", "segments": [{"name": "\\uDFFF"}]}', "segments[0].name"),
        (
            '{"name": "x", "exclusions": [{"criteria": {"\\u0000": 1}}]}',
            "exclusions[0].criteria.\x00",
        ),
    ],
)
def test_a_portrait_body_with_unstorable_text_is_a_400_naming_it(client_for, body, path):
    response = post_raw(client_for(roles.ADMINS), PORTRAITS_URL, body)
    assert response.status_code == 400
    assert response.json() == {"detail": MESSAGE, "code": "invalid", "errors": {path: [MESSAGE]}}
    assert not Portrait.objects.exists()


@pytest.mark.parametrize("url", [BULK_URL, PORTRAITS_URL])
def test_json_nested_too_deep_for_the_parser_is_a_400(client_for, url):
    response = post_raw(client_for(roles.ADMINS), url, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("levels", [33, 700])
def test_attributes_nested_past_the_limit_are_that_items_error(client_for, levels):
    attributes = "{}"
    for _level in range(levels - 1):
        attributes = '{"a": ' + attributes + "}"
    body = '{"source": "erp", "leads": [{"external_id": "a", "attributes": ' + attributes + "}]}"
    response = post_raw(client_for(roles.INTEGRATIONS), BULK_URL, body)
    assert response.status_code == 200
    assert response.json()["errors"][0]["errors"] == {
        "attributes": ["JSON may nest at most 32 levels deep."]
    }
    assert not Lead.objects.exists()


def test_attributes_at_the_limit_are_stored(client_for):
    attributes: dict = {}
    for _level in range(31):
        attributes = {"a": attributes}
    response = post_raw(
        client_for(roles.INTEGRATIONS),
        BULK_URL,
        {"source": "erp", "leads": [lead(attributes=attributes)]},
    )
    assert response.json()["created"] == 1, response.json()


# --- query strings, forms -------------------------------------------------------------


def test_a_nul_in_an_api_query_is_a_400_naming_the_parameter(client_for):
    response = client_for(roles.ADMINS).get(reverse("v1:lead-list"), {"source": "a\x00"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": MESSAGE,
        "code": "invalid",
        "errors": {"source": [MESSAGE]},
    }


def test_the_query_refusal_speaks_the_client_language(client_for):
    response = client_for(roles.ADMINS).get(
        reverse("v1:lead-list"), {"source": "a\x00"}, HTTP_ACCEPT_LANGUAGE="pl"
    )
    polish = "Tekst nie może zawierać znaków NUL ani niesparowanych surogatów."
    assert response.json()["errors"] == {"source": [polish]}


def test_a_nul_in_the_admin_search_is_a_400(make_user, client):
    client.force_login(make_user(roles.ADMINS, is_staff=True))
    response = client.get(reverse("admin:qualification_lead_changelist"), {"q": "a\x00"})
    assert response.status_code == 400


def test_the_json_form_field_refuses_unstorable_text_and_shows_it_escaped():
    field = StorableJSONFormField()
    with pytest.raises(ValidationError) as raised:
        field.clean('{"note": "\\ud800"}')
    assert raised.value.messages == [MESSAGE]
    shown = field.prepare_value({"note": "\ud800"})
    assert shown.encode("utf-8") == b'{"note": "\\ud800"}'
    assert json.loads(shown) == {"note": "\ud800"}


def test_the_lead_admin_refuses_unstorable_attributes_and_shows_them_escaped(make_user, client):
    client.force_login(make_user(roles.ADMINS, is_staff=True))
    lead_row = Lead.objects.create(source="erp", external_id="a", company_name="Acme")
    url = reverse("admin:qualification_lead_change", args=[lead_row.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {
            "attributes": '{"note": "\\ud800"}',
            "merged_identities-TOTAL_FORMS": "0",
            "merged_identities-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert MESSAGE in content
    assert "\\ud800" in content
    lead_row.refresh_from_db()
    assert lead_row.attributes == {}


@pytest.mark.parametrize("levels", [33, 900, 100_000])
def test_the_json_form_field_refuses_deep_documents_and_shows_them_as_typed(levels):
    typed = "[" * levels + "]" * levels
    field = StorableJSONFormField()
    with pytest.raises(ValidationError):
        field.clean(typed)
    assert field.prepare_value(field.bound_data(typed, None)) == typed


def test_the_lead_model_refuses_unstorable_attributes(db):
    lead_row = Lead(source="erp", external_id="a", attributes={"note": "a\x00"})
    with pytest.raises(ValidationError) as raised:
        lead_row.full_clean()
    assert raised.value.message_dict == {"attributes": [MESSAGE]}
