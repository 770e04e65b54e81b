"""The versioned-document pattern itself: its declarations and its ETags."""

import pytest

from portrait.models import Portrait, PortraitAcknowledgement
from portrait.versioning.etags import if_match_etags


def test_the_portrait_declares_its_acknowledgement_model():
    assert Portrait.get_acknowledgement_model() is PortraitAcknowledgement
    assert Portrait.check() == []


@pytest.mark.parametrize(
    ("declared", "error"),
    [
        ("portrait.NoSuchModel", "portrait.E001"),
        ("PortraitAcknowledgement", "portrait.E001"),
        ("portrait.Segment", "portrait.E002"),
    ],
)
def test_a_wrong_acknowledgement_model_fails_the_system_check(monkeypatch, declared, error):
    monkeypatch.setattr(Portrait, "acknowledgement_model", declared)

    assert [message.id for message in Portrait.check()] == [error]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"a1"', ['"a1"']),
        ('"a1", "b2"', ['"a1"', '"b2"']),
        (' "a1" ,"b2" ', ['"a1"', '"b2"']),
        ("*", None),
        (" * ", None),
        ('W/"a1"', ['W/"a1"']),
        ("a1", []),
        ('"a1", a2', ['"a1"']),
    ],
)
def test_if_match_lists_its_etags_and_star_means_any_version(header, expected):
    assert if_match_etags(header) == expected
