"""Limits on what a request may carry, for the API and the pages alike.

- `BodyLimit`, ASGI middleware: a body larger than `Settings.max_body_bytes` is refused with 413
  before the application reads it, whether its Content-Length says so, lies or is absent
  (chunked): the bytes are counted as they arrive, and reading stops at the limit.
- `refuse_unsafe_text`, a dependency of every route: a query or path parameter, or a JSON or
  form body, holding a control character or a lone surrogate (`"\\ud800"`) anywhere, in a
  value or a key (or a JSON body an integer beyond any float, 10**400), is refused with 422
  naming the field (`query.depot` for a parameter),
  before any schema, service or database sees it (such text cannot be encoded as UTF-8: it
  was a 500 in the places that stored or echoed it).

The schemas then bound every text field's length and character set (`kuznia.text`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kuznia.errors import BodyTooLarge, FieldProblem, InvalidInput
from kuznia.instance.errors import format_path
from kuznia.text import text_problem

# The largest integer a float holds (about 1.8e308); a larger one is no number to Kuznia.
_LARGEST_FLOAT = int(sys.float_info.max)

# Methods whose body is read; others pass untouched.
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyLimit:
    """ASGI middleware refusing a body of more than `max_bytes` bytes with 413."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, uploads: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # paths that take an uploaded file (the registry workbook), and their own limit
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get(scope.get("path", ""), self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: let the application see it as it would.
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        await self.app(
            scope,
            _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
            send,
        )

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        setting = "KUZNIA_MAX_UPLOAD_BYTES" if limit != self.max_bytes else "KUZNIA_MAX_BODY_BYTES"
        detail = (
            f"the request's body is larger than {limit} bytes ({setting}): send less, or split it"
        )
        body, content_type = _error(scope, detail)
        await send(
            {
                "type": "http.response.start",
                "status": BodyTooLarge.status,
                # The rest of the body is not read: the connection cannot be reused.
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _error(scope: Scope, detail: str) -> tuple[bytes, bytes]:
    """The refusal as the API's error JSON, or as a short page for the pages."""
    path: str = scope.get("path", "")
    if path.startswith("/api/") or path == "/api":
        body = {
            "error": BodyTooLarge.__name__,
            "code": BodyTooLarge.code,
            "detail": detail,
            "problems": [],
        }
        return json.dumps(body).encode(), b"application/json"
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Too large</title>"
        f"<h1>The form is too large</h1><p>{detail}</p>"
        '<p><a href="/overview">Back to Kuznia</a></p></html>'
    )
    return page.encode(), b"text/html; charset=utf-8"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` giving `messages` first, then what the client sends (a disconnect)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def refuse_unsafe_text(request: Request) -> None:
    """Refuse (422, the field named) a query or path parameter, or a JSON or form body,
    holding a control character or a lone surrogate in any key or value."""
    problems = _parameter_problems(request)
    if request.method in _WITH_BODY:
        problems.extend(await _body_problems(request))
    if problems:
        count = len(problems)
        raise InvalidInput(
            f"{count} problem{'s' if count != 1 else ''} in the request: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems[:5]),
            problems=problems,
        )


def _parameter_problems(request: Request) -> list[FieldProblem]:
    """The query's and the path's parameters holding unsafe text, named as the schema's
    errors name them (`query.depot`, `path.code`)."""
    problems = []
    for key, value in request.query_params.multi_items():
        for part in (key, value):
            message = text_problem(part)
            if message is not None:
                problems.append(FieldProblem(f"query.{_shown_key(key)}", message))
                break
    for key, value in request.path_params.items():
        message = text_problem(value) if isinstance(value, str) else None
        if message is not None:
            problems.append(FieldProblem(f"path.{key}", message))
    return problems


async def _body_problems(request: Request) -> list[FieldProblem]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        raw = await request.body()
        try:
            document = json.loads(raw)
        except ValueError:
            return []  # not JSON: the route's own reading says so (400/422)
        return [FieldProblem(field, message) for field, message in _json_problems(document)]
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # FastAPI has read the form already (routes with Form fields): read it as it did.
        form = await request.form()
        problems = []
        for key, value in form.multi_items():
            if not isinstance(value, str):
                continue  # an uploaded file's bytes are its reader's business
            for part in (key, value):
                message = text_problem(part)
                if message is not None:
                    problems.append(FieldProblem(_shown_key(key), message))
                    break
        return problems
    return []


def _json_problems(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST_FLOAT:
        # pydantic raises OverflowError (a 500), not a validation error, for a float field
        digits = len(str(abs(value)))
        yield (format_path(path) if path else "body"), f"a number of {digits} digits is too large"
    elif isinstance(value, str):
        message = text_problem(value)
        if message is not None:
            yield (format_path(path) if path else "body"), message
    elif isinstance(value, dict):
        for key, item in value.items():
            key_problem = text_problem(key)
            if key_problem is not None:
                yield (format_path(path) if path else "body"), f"a key: {key_problem}"
                continue
            yield from _json_problems(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_problems(item, (*path, index))


def _shown_key(key: str) -> str:
    """A form field's name as a message may show it (its bad characters escaped)."""
    if text_problem(key) is None:
        return key
    return key.encode("unicode_escape").decode("ascii")
