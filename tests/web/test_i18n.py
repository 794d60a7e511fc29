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
    """The catalog's messages; a malformed entry (a msgid without its msgstr, say) fails."""
    with (WEB / f"locale/{language}/LC_MESSAGES/messages.po").open("rb") as po_file:
        return {m.id: m.string for m in read_po(po_file, abort_invalid=True) if m.id}


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


def test_a_small_value_keeps_three_significant_digits_and_never_reads_zero() -> None:
    english, ukrainian = Language("en"), Language("uk")

    assert ukrainian.number(0.000555, 2) == "0,000555"
    assert english.number(0.004, 1) == "0.004"
    assert english.number(-0.0123) == "-0.0123"
    assert english.number(0.0) == "0"
    assert english.number(0.006, 2) == "0.01"  # rounds to a non-zero value as asked


def test_amounts_carry_their_currency_and_quantities_their_unit_in_the_language() -> None:
    english, ukrainian = Language("en", currency="USD"), Language("uk", currency="USD")

    assert english.money(718) == "718.00\u00a0USD"
    assert ukrainian.money(718) == "718,00\u00a0USD"
    assert english.millions(35_948_000_000) == "35,948.0 M USD"
    assert ukrainian.quantity(1200, "rounds") == "1\u00a0200\u00a0пострілів"
    assert english.quantity(3, "pcs") == "3\u00a0pcs"
    assert ukrainian.term("armoured_vehicles") == "бронетехніка"
    assert english.term("armoured_vehicles") == "armoured vehicles"
    assert ukrainian.term("a_category_no_catalog_knows") == "a category no catalog knows"


def test_a_form_shows_a_number_grouped_and_reads_it_back() -> None:
    from kuznia.web import forms

    assert Language("en").form_number(7_140_000_000.0) == "7 140 000 000"
    assert Language("uk").form_number(1234.5) == "1 234,5"
    assert forms.number(Language("uk").form_number(1234.5)) == 1234.5
    assert forms.number(Language("en").form_number(7_140_000_000.0)) == 7_140_000_000


def test_every_domain_word_has_a_ukrainian_and_an_english_word() -> None:
    from kuznia.web import vocabulary

    ukrainian, english = catalog("uk"), catalog("en")
    for name in dir(vocabulary):
        terms = getattr(vocabulary, name)
        if not (name.isupper() and isinstance(terms, tuple)):
            continue
        for term in terms:
            assert ukrainian.get(term), f"no Ukrainian for {name} {term!r}"
            assert term in english, f"{name} {term!r} missing from locale/en"
            if "_" in term:
                assert english[term] == term.replace("_", " "), f"no English words for {term!r}"
