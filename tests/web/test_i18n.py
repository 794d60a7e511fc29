"""Ukrainian and English: every message of the pages is in both catalogs, the language is
negotiated as people expect, and numbers and months are written each language's way."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import kuznia.web
from kuznia.web.i18n import Language, negotiate

WEB = Path(kuznia.web.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def used_messages() -> set[str]:
    """Every message the web package's code and templates ask to be translated."""
    return {
        message[2]
        for message in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS)
        if isinstance(message[2], str)
    }


def catalog(language: str) -> dict[str, str]:
    with (WEB / f"locale/{language}/LC_MESSAGES/messages.po").open("rb") as po_file:
        return {m.id: m.string for m in read_po(po_file) if m.id}


@pytest.mark.parametrize("language", ["uk", "en"])
def test_every_message_is_in_the_catalog(language: str) -> None:
    missing = used_messages() - set(catalog(language))

    assert not missing, f"add these to locale/{language}: {sorted(missing)}"


def test_every_message_has_a_ukrainian_translation_with_the_same_placeholders() -> None:
    for message, translation in catalog("uk").items():
        assert translation, f"no Ukrainian for {message!r}"
        placeholders = sorted(part.split(")")[0] for part in message.split("%(")[1:])
        assert placeholders == sorted(part.split(")")[0] for part in translation.split("%(")[1:])


@pytest.mark.parametrize(
    ("cookie", "accept", "expected"),
    [
        (None, "uk-UA,uk;q=0.9,en-US;q=0.8", "uk"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE,uk;q=0.5", "uk"),
        (None, "en;q=0.4,uk;q=0.8", "uk"),
        (None, "fr", "en"),
        (None, None, "en"),
        ("en", "uk", "en"),
        ("xx", "uk", "uk"),
    ],
)
def test_the_language_is_the_chosen_one_else_the_browser_s(
    cookie: str | None, accept: str | None, expected: str
) -> None:
    assert negotiate(cookie=cookie, accept_language=accept) == expected


def test_numbers_money_and_months_are_written_the_language_s_way() -> None:
    english, ukrainian = Language("en"), Language("uk")

    assert english.number(1250.5, 1) == "1,250.5"
    assert ukrainian.number(1250.5, 1) == "1\u00a0250,5"
    assert english.millions(882_140_000, "USD") == "882.1 M USD"
    assert ukrainian.millions(882_140_000, "USD") == "882,1 млн USD"
    assert english.percent(0.903) == "90.3%"
    assert english.month("2026-11", 2) == "Jan 2027"
    assert ukrainian.month("2026-11", 0) == "лист. 2026"
    assert english.month_ranges("2026-01", [4, 0, 1, 2]) == "Jan 2026–Mar 2026, May 2026"


def test_a_message_is_translated_with_its_values() -> None:
    assert Language("uk").gettext("Plan %(id)s", id=7) == "План 7"
    assert Language("en").gettext("joint_venture") == "joint venture"


def test_a_failed_runs_message_is_translated_with_its_reference() -> None:
    from kuznia.web.routes.plans import progress_message

    stored = "The solve failed; reference 0123456789ab"

    assert progress_message(stored, Language("en")) == stored
    assert progress_message(stored, Language("uk")) == (
        "Розрахунок не вдався; номер звернення 0123456789ab"
    )
