"""Domain errors: what services raise when a request cannot be done, each with its HTTP status.

Exception tree:

    KuzniaError (500)              base; never raised itself
     ├── InternalError (500)       an unexpected error (its details go only to the server log)
     ├── HTTPError                 an HTTP status the framework answers that none below names
     ├── BadRequest (400)          the body cannot be read (not JSON, not UTF-8)
     ├── NotAuthenticated (401)    no token, or a token that is unknown, expired or revoked
     ├── Forbidden (403)           the caller's role may not do this
     ├── NotFound (404)            no such record, or none the caller may see
     ├── MethodNotAllowed (405)    the path does not take this method
     ├── Conflict (409)            the request clashes with what is stored (duplicate code,
     │    │                        a record still referenced, a run that cannot be cancelled)
     │    ├── StaleVersion (409)   an update named a version that is no longer current
     │    ├── ClientKeyReused (409)
     │    │                        a submission's client key was used before for other content
     │    ├── InsufficientStock (409)
     │    │                        a dispatch or a reversal would take more than a depot holds
     │    ├── OverDelivery (409)   a receipt would accept more than its contract has left
     │    └── NotADeliveryPoint (409)
     │                             a receipt at a depot its contract is not delivered to
     ├── BodyTooLarge (413)        a request's body is larger than the server takes
     ├── UnsupportedMediaType (415)
     │                             a body of a type the route does not read
     ├── InvalidInput (422)        a value breaks a rule; `problems` names every field
     ├── TooManyAttempts (429)     too many failed logins for an account or an address:
     │                             wait `retry_after` seconds (sent as Retry-After)
     └── Unavailable (503)         the database cannot be reached or is busy for now, or its
                                   schema is behind this version: try again (Retry-After)

The API renders every one of them as `{"error": ClassName, "code": ..., "detail": ...,
"problems": [...]}`: `code` is the class's machine code (`not_found`, `stale_version`, ...; each
class its own, listed in docs/errors.md), each problem `{"field", "message"}` plus `"code"`
where a program must tell it from others (the web puts its own message beside the field by
that code, never by the English text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One bad value: the field (a dotted path such as `capacity[3]`), what is wrong, and a
    machine code for the kind of problem where callers tell kinds apart (else empty).

    `kind` and `params` say what `message` says, in data (`unknown_reference`, `{"noun":
    "item", "value": "art-152"}`), for a reader that words it itself (the web, in the page's
    language, kuznia.web.problems); the API writes neither: its answer stays as it was."""

    field: str
    message: str
    code: str = ""
    kind: str = dataclasses.field(default="", compare=False)
    params: Mapping[str, str | int | float] = dataclasses.field(default_factory=dict, compare=False)

    def rendered(self) -> dict[str, str]:
        """The problem as the API writes it: `code` only when it has one."""
        shown = {"field": self.field, "message": self.message}
        return shown | ({"code": self.code} if self.code else {})


class KuzniaError(Exception):
    """Base of the domain errors; `status` is the HTTP status the API answers with, `code`
    the machine code of the kind of error (every subclass names its own, distinct)."""

    status = 500
    code = "error"

    def __init__(self, detail: str, *, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = list(problems)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body."""
        return {}


class InternalError(KuzniaError):
    """Answered for an unexpected error: the server logs it, the answer says nothing more."""

    code = "internal_error"


class HTTPError(KuzniaError):
    """Answered for an HTTP status the framework raises that no other error here names."""

    code = "http_error"


class BadRequest(KuzniaError):
    """Answered when a request's body cannot be read at all (not JSON, not UTF-8)."""

    status = 400
    code = "bad_request"


class NotAuthenticated(KuzniaError):
    """Raised when a request has no valid token (missing, unknown, expired or revoked)."""

    status = 401
    code = "not_authenticated"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(KuzniaError):
    """Raised when the caller's role may not do what it asked."""

    status = 403
    code = "forbidden"


class NotFound(KuzniaError):
    """Raised when a record does not exist or the caller may not see it (the two look alike)."""

    status = 404
    code = "not_found"


class MethodNotAllowed(KuzniaError):
    """Answered when a path does not take the request's method."""

    status = 405
    code = "method_not_allowed"


class Conflict(KuzniaError):
    """Raised when a request clashes with what is stored."""

    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """Raised when an update names a version other than the record's current one."""

    code = "stale_version"


class ClientKeyReused(Conflict):
    """Raised when a submission's client key was used before for other content (or for a
    record the caller cannot see): a new submission needs a new key."""

    code = "client_key_reused"

    def __init__(
        self, detail: str, *, client_key: str, problems: Sequence[FieldProblem] = ()
    ) -> None:
        super().__init__(detail, problems=problems)
        self.client_key = client_key


class InsufficientStock(Conflict):
    """Raised when a dispatch or a reversal would take more from a depot than it holds:
    `held` of `item` at `depot`, `asked` wanted."""

    code = "insufficient_stock"

    def __init__(
        self,
        detail: str,
        *,
        depot: str,
        item: str,
        held: float,
        asked: float,
        problems: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail, problems=problems)
        self.depot = depot
        self.item = item
        self.held = held
        self.asked = asked


class OverDelivery(Conflict):
    """Raised when a receipt would accept more than its contract has left (beyond the
    tolerance): `left` units of contract `contract` remain, `asked` were to be accepted."""

    code = "over_delivery"

    def __init__(
        self,
        detail: str,
        *,
        contract: str,
        left: int,
        asked: int,
        problems: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(detail, problems=problems)
        self.contract = contract
        self.left = left
        self.asked = asked


class NotADeliveryPoint(Conflict):
    """Raised when a receipt names a depot that contract `contract` is not delivered to."""

    code = "not_a_delivery_point"

    def __init__(
        self, detail: str, *, contract: str, depot: str, problems: Sequence[FieldProblem] = ()
    ) -> None:
        super().__init__(detail, problems=problems)
        self.contract = contract
        self.depot = depot


class BodyTooLarge(KuzniaError):
    """Raised (answered) when a request's body is larger than `Settings.max_body_bytes`."""

    status = 413
    code = "body_too_large"


class UnsupportedMediaType(KuzniaError):
    """Answered when a request's body is of a media type its route does not read."""

    status = 415
    code = "unsupported_media_type"


class InvalidInput(KuzniaError):
    """Raised when values break the format's rules; `problems` names each field."""

    status = 422
    code = "invalid_input"


class TooManyAttempts(KuzniaError):
    """Raised when an account or a client address failed to log in too often lately; the
    next attempt is taken after `retry_after` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(KuzniaError):
    """Answered when the database cannot be reached or stays busy, or its schema is not the
    one this version needs; nothing was done, and the same request may be sent again after
    `retry_after` seconds."""

    status = 503
    code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def error_codes() -> dict[str, str]:
    """The machine code of every error type defined so far, by the type's name: KuzniaError
    and all its subclasses, however deep (each has its own code)."""
    found: dict[str, str] = {}
    kinds: list[type[KuzniaError]] = [KuzniaError]
    while kinds:
        kind = kinds.pop()
        found[kind.__name__] = kind.code
        kinds.extend(kind.__subclasses__())
    return dict(sorted(found.items()))


def ensure_version(*, current: int, given: int, what: str) -> None:
    """Raise StaleVersion unless an update names the record's current version."""
    if given != current:
        raise StaleVersion(
            f"{what} is at version {current}, the update was made on version {given}: "
            "read it again and reapply the change"
        )
