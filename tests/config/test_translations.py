import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)msgstr "(.*)"\n((?:".*"\n)*)', re.MULTILINE)


def _entries(language: str) -> list[tuple[str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    text = re.sub(r"^#~.*\n", "", text, flags=re.MULTILINE)
    return [
        (
            msgid + "".join(re.findall(r'"(.*)"', more_id)),
            msgstr + "".join(re.findall(r'"(.*)"', more_str)),
        )
        for msgid, more_id, msgstr, more_str in ENTRY.findall(text)
    ]


@pytest.mark.parametrize("language", ["uk", "pl", "ru", "he"])
def test_every_message_is_translated(language):
    untranslated = [msgid for msgid, msgstr in _entries(language) if msgid and not msgstr]
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    untranslated_plurals = re.findall(r'^msgstr\[\d+\] ""\n(?!")', text, flags=re.MULTILINE)
    assert untranslated == []
    assert untranslated_plurals == []


@pytest.mark.parametrize("language", ["uk", "pl", "ru", "he"])
def test_no_translation_is_fuzzy(language):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("uk", "Цікавий"), ("ru", "Интересный"), ("pl", "Interesujący"), ("he", "מעניין")],
)
def test_compiled_catalogue_is_used(language, expected):
    with translation.override(language):
        assert translation.gettext("Interesting") == expected


def test_hebrew_is_right_to_left():
    assert translation.get_language_info("he")["bidi"] is True
