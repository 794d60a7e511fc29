"""Ukrainian and English: the message catalogs, which language a request gets, and numbers,
money and months written the way each language writes them.

The catalogs are the `.po` files under `locale/`, read with Babel when first needed and turned
into gettext translations in memory: there is no compiled `.mo` to build or to forget, so a
fresh clone works as it is. English is the source language (its catalog leaves messages as
they are); a message missing from a catalog shows in English rather than breaking a page.
"""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from kuznia.instance.months import add_months, first_day

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}
LANGUAGE_COOKIE = "kuznia_lang"


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is defined; it is translated where shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of `language`, read from its `.po` catalog."""
    path = resources.files("kuznia.web").joinpath(f"locale/{language}/LC_MESSAGES/messages.po")
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain="messages")
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(*, cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: the one chosen before (cookie), else the first of the
    browser's languages (by quality) Kuznia speaks, else English."""
    if cookie in LANGUAGES:
        return cookie
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((-quality, position, tag.strip().lower()))
    for negative_quality, _, tag in sorted(wanted):
        primary = tag.split("-")[0]
        if negative_quality < 0 and primary in LANGUAGES:
            return primary
        if negative_quality < 0 and primary == "ru":
            # People in Ukraine whose browser says Russian read Ukrainian too; the ministry's
            # working language is Ukrainian.
            return "uk"
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Language:
    """What a page needs to speak one language: messages, numbers, money and months."""

    code: str
    # the instance's currency, written after every amount that names none
    currency: str = ""

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    def gettext(self, message: str, **values: Any) -> str:
        """`message` in this language, with `%(name)s` placeholders filled from `values`."""
        text = translations(self.code).gettext(message)
        return text % values if values else text

    def term(self, value: Any) -> str:
        """A word from data (a category, unit, status, ownership, audit action or entity: see
        kuznia.web.vocabulary) in this language; one no catalog knows as it is, with spaces
        for underscores ('—' for none)."""
        if value is None or value == "":
            return "—"
        text = str(getattr(value, "value", value))
        translated = translations(self.code).gettext(text)
        return translated if translated != text else text.replace("_", " ")

    def number(self, value: float | None, digits: int = 0) -> str:
        """A number with this language's grouping and decimal signs ('—' for none)."""
        if value is None:
            return "—"
        if value != 0 and abs(value) < 0.5 * 10.0**-digits:
            # never '0,00' for what is not zero: three significant digits ('0,000555')
            return self.significant(value)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.code)

    def significant(self, value: float | None, digits: int = 3) -> str:
        """A number with `digits` significant digits, whole numbers from 10**(digits-1) on:
        0.000555 stays '0,000555' (never '0,00' for a value that is not zero)."""
        if value is None:
            return "—"
        if value == 0 or abs(value) >= 10 ** (digits - 1):
            return self.number(value)
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
        rounded = round(value, decimals)
        text = self.number(rounded, decimals)
        # trailing zeros say nothing here: 6.50 -> 6.5, 15.0 -> 15
        decimal_sign = self.number(0.5, 1)[1]
        if decimal_sign in text:
            text = text.rstrip("0").rstrip(decimal_sign)
        return text

    def form_number(self, value: Any) -> Any:
        """A number as a form field shows it, grouped by spaces, which the form reads back
        ('7 140 000 000', '0,5'); anything else (what a person typed) as it is."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return value
        text = format_decimal(value, format="#,##0.######", locale="en")
        text = text.replace(",", " ")
        return text.replace(".", ",") if self.code == "uk" else text

    def quantity(self, value: float | None, unit: str | None, digits: int = 0) -> str:
        """A quantity with its unit in this language ('1 200 шт.')."""
        text = self.number(value, digits)
        return f"{text}\u00a0{self.term(unit)}" if unit and value is not None else text

    def money(self, amount: float | None, currency: str | None = None, digits: int = 2) -> str:
        """An amount of money with its currency ('718,00 USD'; millions: `millions`)."""
        text = self.number(amount, digits)
        currency = currency or self.currency
        return f"{text}\u00a0{currency}" if currency and amount is not None else text

    def percent(self, share: float | None, digits: int = 1) -> str:
        """A share 0..1 as a percentage."""
        if share is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(share, format=pattern, locale=self.code)

    def millions(self, amount: float | None, currency: str = "") -> str:
        """An amount of money in millions: '882.1 M USD' / '882,1 млн USD'."""
        if amount is None:
            return "—"
        text = f"{self.number(amount / 1e6, 1)} {self.gettext('M')}"
        currency = currency or self.currency
        return f"{text} {currency}" if currency else text

    def month(self, start: str | None, month: int) -> str:
        """Horizon month `month` (0-based) as a calendar month: 'Jan 2026' / 'січ. 2026'."""
        if not start:
            return self.gettext("month %(month)s", month=month)
        label = add_months(start, month)
        return format_date(first_day(label), "LLL yyyy", locale=self.code)

    def month_ranges(self, start: str | None, months: list[int]) -> str:
        """Horizon months as runs of calendar months: 'Jan 2026–Mar 2026, May 2026'."""
        runs: list[list[int]] = []
        for month in sorted(set(months)):
            if runs and month == runs[-1][1] + 1:
                runs[-1][1] = month
            else:
                runs.append([month, month])
        return ", ".join(
            self.month(start, first) + ("" if first == last else "–" + self.month(start, last))
            for first, last in runs
        )
