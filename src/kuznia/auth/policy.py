"""The rules for credentials, in one place: how an e-mail is normalised and which e-mails and
passwords a user may have. The CLI, the API and the pages all reach them through
`kuznia.auth.service`.

E-mails are normalised (Unicode NFKC, then case-folded, then stripped) when a user is made and
when someone logs in, so `ＡDMIN@x.test` and `admin@x.test` are one login. A normalised e-mail
must be plain ASCII: a look-alike letter from another script (Cyrillic `а` for Latin `a`) is
refused rather than kept as a second, confusable account.

A password needs at least `MIN_PASSWORD_LENGTH` characters, must not be on the list of common
passwords shipped with Kuznia (`common_passwords.txt`), and must not be the e-mail's local part.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from kuznia.errors import FieldProblem

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# The codes of a password's problems (FieldProblem.code), for callers that word them.
TOO_SHORT = "password_too_short"
TOO_LONG = "password_too_long"
COMMON = "password_common"
EMAIL_NAME = "password_email_name"
# ... and of an e-mail's (`value`: the e-mail; `FieldProblem.kind`, not in the API's answer)
EMAIL_NOT_ASCII = "email_not_ascii"
NOT_AN_EMAIL = "not_an_email"
PROBLEM_KINDS = (TOO_SHORT, TOO_LONG, COMMON, EMAIL_NAME, EMAIL_NOT_ASCII, NOT_AN_EMAIL)
# local@domain, printable ASCII without spaces; the finer points of RFC 5322 are not needed
# for a login name.
_EMAIL = re.compile(r"^[!-?A-~]+@[!-?A-~]+$")


def normalise_email(email: str) -> str:
    """The form an e-mail is stored and looked up in: NFKC, case-folded, stripped."""
    return unicodedata.normalize("NFKC", email).casefold().strip()


def email_problems(email: str, *, field: str = "email") -> list[FieldProblem]:
    """What is wrong with a new user's (already normalised) e-mail; empty if nothing."""
    if not email.isascii():
        others = "".join(sorted({c for c in email if not c.isascii()}))
        return [
            FieldProblem(
                field,
                f"{email!r} has characters outside ASCII ({others!r}): letters that look like "
                "Latin ones are not allowed in an e-mail",
                kind=EMAIL_NOT_ASCII,
                params={"value": email},
            )
        ]
    if not _EMAIL.match(email):
        return [
            FieldProblem(
                field,
                f"{email!r} is not an e-mail address (name@domain)",
                kind=NOT_AN_EMAIL,
                params={"value": email},
            )
        ]
    return []


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, case-folded."""
    text = Path(__file__).with_name("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problems(password: str, *, email: str, field: str = "password") -> list[FieldProblem]:
    """What is wrong with a new password for the user with this e-mail; empty if nothing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldProblem(
                field,
                f"the password has {len(password)} characters: it needs at least "
                f"{MIN_PASSWORD_LENGTH}",
                TOO_SHORT,
                params={"count": MIN_PASSWORD_LENGTH},
            )
        ]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            FieldProblem(
                field,
                f"the password has {len(password)} characters: at most {MAX_PASSWORD_LENGTH}",
                TOO_LONG,
                params={"count": MAX_PASSWORD_LENGTH},
            )
        ]
    folded = password.casefold()
    if folded in common_passwords():
        return [FieldProblem(field, "the password is on the list of common passwords", COMMON)]
    if folded == normalise_email(email).split("@", 1)[0]:
        return [
            FieldProblem(field, "the password is the e-mail's name: choose another", EMAIL_NAME)
        ]
    return []
