"""Every operation of the API's own OpenAPI document, probed with hostile text (issue 12): a
lone surrogate ("\\ud800") in each string field of each JSON body, one field at a time; a NUL
and an escape character in each string query parameter; a NUL in each path parameter. Each
answers 422 naming the field (`note`, `deliveries[0].month`, `query.depot`, `path.record_id`),
never a 5xx, and nothing is written (the audit chain's head does not move).

The probes are made from the document, not listed by hand: an operation added later is probed
without anyone remembering to. They run as the planner, who reaches most operations; the
refusal comes before any role check, so every caller gets the same answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, func, select

from kuznia.db import session_scope
from kuznia.models import AuditEvent
from tests.api.conftest import Api

SURROGATE = "\ud800"
# A body field's expected name as the problems say it: `a.b[0].c`.
Path = tuple[str | int, ...]


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The schema behind a `$ref`, and the first non-null choice of an `anyOf`."""
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = document["components"]["schemas"][name]
        elif "anyOf" in schema or "oneOf" in schema:
            choices = schema.get("anyOf") or schema["oneOf"]
            schema = next((c for c in choices if c.get("type") != "null"), choices[0])
        elif "allOf" in schema:
            schema = schema["allOf"][0]
        else:
            return schema


def example(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A plain value of the schema's shape (not necessarily valid: the probe is refused before
    validation)."""
    schema = resolve(schema, document)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: example(sub, document) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(schema.get("items", {}), document)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return "x"


def string_paths(value: Any, path: Path = ()) -> Iterator[Path]:
    """Where the example holds a string."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))


def with_value(document: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = with_value(document[head], tuple(rest), value)  # type: ignore[index]
    return copy


def field_name(path: Path) -> str:
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if shown else part)
    return shown


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def concrete(path: str, operation: dict[str, Any], override: dict[str, str] | None = None) -> str:
    """The path with each parameter filled (integers 1, text "x"), or as `override` says."""
    values = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            kind = parameter.get("schema", {}).get("type")
            values[parameter["name"]] = "1" if kind == "integer" else "x"
    values.update(override or {})
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def audit_head(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.max(AuditEvent.seq))) or 0)


def test_every_operation_refuses_hostile_text_naming_the_field(api: Api, engine: Engine) -> None:
    document = api.client.get("/api/v1/openapi.json").json()
    headers = api.headers("planner")
    head = audit_head(engine)
    wrong: list[str] = []
    probes = 0

    def expect(method: str, url: str, field: str, response: Any) -> None:
        nonlocal probes
        probes += 1
        if response.status_code != 422:
            wrong.append(f"{method} {url} [{field}]: {response.status_code} {response.text[:200]}")
            return
        fields = [problem["field"] for problem in response.json()["problems"]]
        if field not in fields:
            wrong.append(f"{method} {url} [{field}]: 422 naming {fields}")

    for method, path, operation in operations(document):
        url = concrete(path, operation)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            body = example(content["application/json"]["schema"], document)
            for where in string_paths(body):
                probe = json.dumps(with_value(body, where, SURROGATE), ensure_ascii=True)
                response = api.client.request(
                    method,
                    url,
                    content=probe,
                    headers={**headers, "content-type": "application/json"},
                )
                expect(method, url, field_name(where) or "body", response)
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            kind = resolve(parameter.get("schema", {}), document).get("type", "string")
            if parameter["in"] == "query" and kind == "string":
                for char in ("\x00", "\x1b"):
                    response = api.client.request(
                        method, url, params={name: f"a{char}"}, headers=headers
                    )
                    expect(method, url, f"query.{name}", response)
            elif parameter["in"] == "path" and kind == "string":
                hostile = concrete(path, operation, {name: "a%00b"})
                expect(method, hostile, f"path.{name}", api.client.request(method, hostile))

    assert wrong == []
    assert probes > 200  # every operation was reached: the document is not empty
    assert audit_head(engine) == head
