"""Reading what people type into forms, and putting the services' messages next to the
fields they are about.

Numbers may be written as people write them in either language: `1200`, `1 200`, `12.5` or
`12,5`. A whole number stays an int (the instance format keeps `1` and `1.0` apart).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kuznia.errors import (
    ClientKeyReused,
    Conflict,
    FieldProblem,
    InvalidInput,
    KuzniaError,
    StaleVersion,
)
from kuznia.web import execution
from kuznia.web import problems as problems_in_words
from kuznia.web.i18n import N_, Language

T = TypeVar("T")

NOT_A_NUMBER = N_("Enter a number, for example 1200 or 12.5.")
NOT_A_WHOLE_NUMBER = N_("Enter a whole number, for example 3.")
REQUIRED = N_("This field is required.")
POSITIVE = N_("Enter a quantity above 0.")
NOT_NEGATIVE = N_("Enter 0 or more.")
NOT_A_DAY = N_("Enter a day as YYYY-MM-DD, for example 2026-11-24.")
CHECK_VALUE = N_("Check this value.")
# The ledger's forms (contract receipts, dispatches, foreign deliveries) name a depot.
CHOOSE_DEPOT = N_("Choose a depot.")
NOT_YOUR_DEPOT = N_("This depot is not one of your organisation's depots.")
KEY_USED = N_(
    "This form was sent before with other values, and those were recorded (see the day's "
    "entries). To record another entry, check the values and send the form again."
)
CLASH = N_("What you asked clashes with what is stored now.")
NO_SUCH_RECORD = N_("There is no such record, or it is not one you may see.")
CHECK_VALUES = N_("Check the values you entered.")
STALE = N_(
    "Someone else changed this record after you opened it. Open it again to see their "
    "change, then make yours again."
)

NOT_A_VERSION = N_(
    'The form names the record\'s version as "%(value)s", which is not a version number. '
    "Open the record again and make the change again."
)


async def form_data(request: Request) -> AsyncIterator[FormData]:
    """The posted form, read before a (synchronous) route runs in its worker thread; its
    uploaded files are closed once the route is done."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(form_data)]


def with_saved(target: str, record_id: int) -> str:
    """`target` (a local path) telling the page which record was just saved."""
    parts = urlsplit(target)
    params = [(k, v) for k, v in parse_qsl(parts.query) if k != "saved"] + [
        ("saved", str(record_id))
    ]
    return f"{parts.path}?{urlencode(params)}"


class FormError(ValueError):
    """A value that cannot be read from a form field: the message is a catalog message."""


def _clean(text: str) -> str:
    return text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")


def number(text: str) -> int | float:
    """A number typed by a person: int when whole, else float."""
    cleaned = _clean(text)
    if not cleaned:
        raise FormError(REQUIRED)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        value = float(cleaned)
    except ValueError:
        raise FormError(NOT_A_NUMBER) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FormError(NOT_A_NUMBER)
    return value


def whole_number(text: str) -> int:
    cleaned = _clean(text)
    if not cleaned:
        raise FormError(REQUIRED)
    try:
        return int(cleaned)
    except ValueError:
        raise FormError(NOT_A_WHOLE_NUMBER) from None


def version(form: Any, general: list[str], lang: Language) -> int | None:
    """The record's version a form was made on (its hidden field `version`): a whole number
    0 or more; else None, and a message naming `version` and the value in `general` (the
    field is hidden, so its message goes above the form)."""
    text = str(form.get("version", "")).strip()
    if text.isascii() and text.isdigit() and len(text) < 12:
        return int(text)
    general.append(lang.gettext(NOT_A_VERSION, value=text[:40]))
    return None


def codes(text: str) -> list[str]:
    """A list of codes typed as `a, b c`: separated by commas or spaces."""
    return [part for part in text.replace(",", " ").split() if part]


def by_field(
    problems: Iterable[FieldProblem], fields: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """The services' problems as messages per form field (`eligible.producers[1]` belongs
    to the field `eligible.producers`), and those that belong to no field of the form."""
    known = set(fields)
    placed: dict[str, str] = {}
    rest: list[str] = []
    for problem in problems:
        name = problem.field
        while name not in known and ("[" in name or "." in name):
            name = name[: max(name.rfind("["), name.rfind("."))]
        if name in known:
            placed[name] = (
                f"{placed[name]} {problem.message}" if name in placed else problem.message
            )
        else:
            rest.append(f"{problem.field}: {problem.message}")
    return placed, rest


def in_words(
    problems: Iterable[FieldProblem], lang: Language, by_code: Mapping[str, str] | None = None
) -> list[FieldProblem]:
    """The services' problems said in the page's language: by the form's own words for their
    code where `by_code` has them, else by their kind and values (kuznia.web.problems)."""
    worded = by_code or {}
    return [
        replace(
            problem,
            message=worded.get(problem.code) or problems_in_words.worded(problem, lang),
        )
        for problem in problems
    ]


def refusal_text(error: KuzniaError, lang: Language) -> str:
    """A service's refusal said above a form: the web's own message (a catalog message) in
    the page's language; else the service's words on an English page, and on a Ukrainian
    page its problems in words, or what the kind of refusal means."""
    own = lang.gettext(error.detail)
    if own != error.detail or lang.code == "en":
        return own
    if error.problems:
        return " ".join(problem.message for problem in in_words(error.problems, lang))
    general = {404: NO_SUCH_RECORD, 409: CLASH, 422: CHECK_VALUES}
    return lang.gettext(general.get(error.status, CHECK_VALUE))


@dataclass
class FormState:
    """One form on the page: what was typed, the messages per field and for the whole form
    (already in the page's language), and the client key of this rendering."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    client_key: str = field(default_factory=execution.new_client_key)


def quantity(form: Any, name: str, errors: dict[str, str], *, positive: bool) -> int | None:
    """A ledger quantity typed into the form (whole units of the item), or None with a message
    under `name`."""
    try:
        value = float(number(str(form.get(name, ""))))
    except FormError as error:
        errors[name] = str(error)
        return None
    if (positive and value <= 0) or value < 0 or not math.isfinite(value):
        errors[name] = POSITIVE if positive else NOT_NEGATIVE
        return None
    if not value.is_integer():
        errors[name] = NOT_A_WHOLE_NUMBER
        return None
    return int(value)


def day_field(form: Any, errors: dict[str, str]) -> date | None:
    text = str(form.get("day", "")).strip()
    if not text:
        errors["day"] = REQUIRED
        return None
    day, readable = execution.read_day(text, execution.today())
    if not readable:
        errors["day"] = NOT_A_DAY
        return None
    return day


def validation_errors(error: ValidationError, fields: tuple[str, ...]) -> dict[str, str]:
    """The model's objections per form field (those the form's own checks did not catch)."""
    placed: dict[str, str] = {}
    for problem in error.errors(include_url=False):
        name = str(problem["loc"][0]) if problem["loc"] else ""
        placed[name if name in fields else fields[0]] = CHECK_VALUE
    return placed


@dataclass(frozen=True)
class Refused:
    """A submission the service refused: its messages are in the form's state, and the page
    is rendered again with this status."""

    status_code: int


def submit(
    call: Callable[[], T],
    *,
    session: Session,
    state: FormState,
    fields: Iterable[str],
    lang: Language,
    by_code: Mapping[str, str] | None = None,
    refused: Callable[[KuzniaError], int | None] | None = None,
) -> T | Refused:
    """What the service `call` returns; or, when it refuses, the transaction rolled back and
    its messages beside the form's fields: `refused` places those it knows (answering the
    status, or None to leave the error to the rest); a value's problems (422) go beside their
    fields, in the page's words where `by_code` has the problem's code; a reused client key,
    a stale version or another conflict (409) above the form. Other errors propagate."""
    try:
        return call()
    except KuzniaError as error:
        session.rollback()
        status = refused(error) if refused is not None else None
        if status is not None:
            return Refused(status)
        if isinstance(error, InvalidInput):
            placed, rest = by_field(in_words(error.problems, lang, by_code), fields)
            state.errors.update(placed)
            state.general.extend(rest)
            return Refused(422)
        if isinstance(error, ClientKeyReused):
            state.general.append(lang.gettext(KEY_USED))
            state.client_key = execution.new_client_key()
            return Refused(409)
        if isinstance(error, StaleVersion):
            state.general.append(lang.gettext(STALE))
            return Refused(409)
        if isinstance(error, Conflict):
            # the service's words name the clash exactly; a Ukrainian page says it in general
            state.general.append(refusal_text(error, lang))
            return Refused(409)
        raise
