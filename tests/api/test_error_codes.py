"""Every error type has its own machine code, the API answers with it, and docs/errors.md and
the OpenAPI document list each code (docs/errors.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kuznia.audit.keys
import kuznia.limits
import kuznia.main
from kuznia import errors
from kuznia.errors import KuzniaError, error_codes
from tests.api.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"


def every_error_type() -> list[type[KuzniaError]]:
    found: list[type[KuzniaError]] = []
    kinds: list[type[KuzniaError]] = [KuzniaError]
    while kinds:
        kind = kinds.pop()
        found.append(kind)
        kinds.extend(kind.__subclasses__())
    return found


def test_the_modules_defining_errors_are_loaded() -> None:
    # the walk below sees the subclasses of imported modules only
    names = {kind.__name__ for kind in every_error_type()}
    assert {"AuditKeyError", "BodyTooLarge", "StaleVersion", "TooManyAttempts"} <= names
    assert kuznia.audit.keys.AuditKeyError.code == "audit_key"
    assert kuznia.limits.BodyTooLarge is errors.BodyTooLarge


def test_every_error_type_defines_its_own_code() -> None:
    for kind in every_error_type():
        assert "code" in vars(kind), f"{kind.__name__} inherits its code: give it its own"
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", kind.code), kind.code


def test_no_two_error_types_share_a_code() -> None:
    kinds = every_error_type()
    codes = [kind.code for kind in kinds]
    shared = {code for code in codes if codes.count(code) > 1}
    assert not shared, f"codes used by more than one error type: {sorted(shared)}"
    assert len(error_codes()) == len(kinds) >= 19


def test_docs_list_every_code_beside_its_type() -> None:
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\w+) \|", table, re.MULTILINE))
    assert rows == {code: name for name, code in error_codes().items()}


def test_the_openapi_error_body_enumerates_the_codes(api: Api) -> None:
    schema = api.client.get(f"{API}/openapi.json").json()["components"]["schemas"]["ErrorBody"]
    assert "code" in schema["required"]
    assert schema["properties"]["code"]["enum"] == sorted(set(error_codes().values()))


@pytest.mark.parametrize(
    ("method", "path", "user", "kwargs", "status", "error"),
    [
        ("get", "/contracts", None, {}, 401, "NotAuthenticated"),
        ("get", "/contracts/999999", "planner", {}, 404, "NotFound"),
        ("delete", "/contracts", "planner", {}, 405, "MethodNotAllowed"),
        ("get", "/contracts", "planner", {"params": {"limit": "many"}}, 422, "InvalidInput"),
        (
            "post",
            "/auth/login",
            None,
            {"content": b"\xff{", "headers": {"Content-Type": "application/json"}},
            400,
            "BadRequest",
        ),
        ("post", "/contracts/999999/sign", "producer", {"json": {"version": 1}}, 403, "Forbidden"),
    ],
)
def test_every_answer_carries_its_types_code(
    api: Api,
    method: str,
    path: str,
    user: str | None,
    kwargs: dict[str, object],
    status: int,
    error: str,
) -> None:
    kwargs = dict(kwargs)  # the parameters are shared by every backend's run: not changed here
    headers = {**(api.headers(user) if user else {}), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    response = getattr(api.client, method)(f"{API}{path}", headers=headers, **kwargs)

    assert response.status_code == status, response.text
    body = response.json()
    assert (body["error"], body["code"]) == (error, getattr(errors, error).code)
    assert set(body) == {"error", "code", "detail", "problems"}


def test_a_subtype_answers_with_its_own_code_not_its_parents(api: Api) -> None:
    lines = f"{API}/lines"
    line = api.find("planner", lines, code="l2")
    api.patch("planner", f"{lines}/{line['id']}", json={"version": 1, "price": 390})

    stale = api.patch("planner", f"{lines}/{line['id']}", json={"version": 1, "price": 1})

    assert stale.status_code == 409
    assert (stale.json()["error"], stale.json()["code"]) == ("StaleVersion", "stale_version")
