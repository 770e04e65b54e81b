"""Duplicate keys and the sync's e-mail check: fast paths agree with the general ones."""

import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from hypothesis import assume, given
from hypothesis import strategies as st

from qualification import normalise
from qualification.sync.validation import lead_item_validate


def website_domain_by_urlsplit(website: str | None) -> str | None:
    """``website_domain`` with its fast path turned off: the general path for every input."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(normalise, "_PLAIN_WEBSITE", re.compile(r"(?!)"))
        return normalise.website_domain(website)


def name_key_by_nfkd(company_name: str) -> str | None:
    text = unicodedata.normalize("NFKD", company_name.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    words = [word for word in normalise._NON_WORD.split(text) if word]
    words = [word for word in words if word not in normalise._LEGAL_FORMS]
    return " ".join(words) or None


websites = st.one_of(
    st.text(alphabet="abcXYZ019.-:/?#@[]_ ", max_size=40),
    st.builds(
        "{}{}{}{}".format,
        st.sampled_from(["", "http://", "https://", "HTTPS://", "ftp://", "//"]),
        st.from_regex(r"[a-z0-9.-]{0,20}", fullmatch=True),
        st.sampled_from(["", ":443", ":8080", ":", ":99999", ":x"]),
        st.sampled_from(["", "/", "/about?x=1", "#top", "?q", "/ü"]),
    ),
)


@given(websites)
def test_website_domain_agrees_with_urlsplit(website):
    assert normalise.website_domain(website) == website_domain_by_urlsplit(website)


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://WWW.Example.com:443/about", "example.com"),
        ("example.com/contact", "example.com"),
        ("user@example.com", "example.com"),
        ("https://[::1]:8000/", "::1"),
        ("https://acme.example/?next=https://x.example", "acme.example"),
        ("acme.example/login?next=https://x.example", None),
        ("a/://", None),
        ("", None),
    ],
)
def test_website_domain_examples(website, domain):
    assert normalise.website_domain(website) == domain


@given(st.text(max_size=30))
def test_name_key_agrees_with_the_accent_folding_path(name):
    assert normalise.name_key(name) == name_key_by_nfkd(name)


def test_name_key_drops_accents_and_legal_forms():
    assert normalise.name_key("Café Zürich GmbH") == "cafe zurich"


def email_accepted(address: str) -> bool:
    row, _errors = lead_item_validate({"external_id": "1", "email": address})
    return row is not None


def django_accepts(address: str) -> bool:
    try:
        EmailValidator()(address.strip())
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    "address",
    [
        "anna@acme.example",
        "a.b+c@mail.acme.example",
        ".anna@acme.example",
        "anna.@acme.example",
        "an..na@acme.example",
        "anna@-acme.example",
        "anna@acme-.example",
        "anna@acme.e",
        "anna@acme.123",
        "o'brien@acme.example",
        "anna@[127.0.0.1]",
        "anna@localhost",
        "anna@" + "a" * 64 + ".example",
        "a" * 230 + "@acme.example",
    ],
)
def test_email_check_agrees_with_djangos_validator_on_edge_cases(address):
    assert email_accepted(address) == django_accepts(address)


@given(
    st.one_of(
        st.from_regex(
            r"[a-zA-Z0-9._%+'-]{1,12}@[a-zA-Z0-9.-]{1,15}\.[a-z0-9-]{1,5}", fullmatch=True
        ),
        st.from_regex(r"[a-z.]{1,6}@[a-z.-]{1,8}\.[a-z]{1,3}", fullmatch=True),
        st.text(alphabet="ab.@-_+ 1", max_size=20),
    )
)
def test_email_check_agrees_with_djangos_validator(address):
    assume(address.strip())  # an empty address is no address, not a bad one
    assert email_accepted(address) == django_accepts(address)
