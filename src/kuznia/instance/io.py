"""Read, check and write `kuznia-instance/1` documents.

Reading reports every problem at once: the structure (types, signs, unknown fields, via
pydantic) and the rules that relate records (`kuznia.instance.validate`). Writing is the exact
inverse of reading: fields that were not in the file are not added, and ints stay ints.
"""

from __future__ import annotations

import functools
import json
import os
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from kuznia.instance.errors import (
    MISSING,
    TOO_LONG,
    UNKNOWN_FIELD,
    WRONG_TYPE,
    InstanceError,
    Problem,
    Segments,
)
from kuznia.instance.schema import START_PATTERN, Instance
from kuznia.instance.validate import find_problems, in_document_order
from kuznia.text import TextRefused

# Patterns of the schema, in words a reader of an error message understands.
_PATTERN_NAMES = {START_PATTERN: "a month written YYYY-MM"}
_LONGEST_VALUE = 80


def parse_instance(data: Mapping[str, Any] | str | bytes) -> Instance:
    """The instance in `data`: a JSON-like dict, or JSON text. Raises InstanceError with every
    problem found."""
    if isinstance(data, str | bytes):
        document, problems = _load_json(data)
    else:
        document, problems = data, []
    instance, more_problems = _check(document)
    problems.extend(more_problems)
    if problems or instance is None:
        raise InstanceError(in_document_order(problems))
    return instance


@functools.lru_cache(maxsize=4)
def parse_stored(text: str) -> Instance:
    """An instance Kuznia stored after `parse_instance` accepted it (a plan run's snapshot):
    read by the schema alone, without checking the relations between records again, and
    remembered by its content (the last few), so a page that shows a national run's funds or
    producers does not spend seconds reading megabytes of it again. The returned instance is
    shared: treat it as read-only (copy it with `model_copy(deep=True)` to change it)."""
    return Instance.model_validate_json(text)


def read_instance(path: str | os.PathLike[str]) -> Instance:
    """The instance in the JSON file at `path`. Raises InstanceError with every problem found,
    including a missing or unreadable file."""
    source = os.fspath(path)
    try:
        content = Path(path).read_bytes()
    except FileNotFoundError:
        raise InstanceError([Problem.at((), "no such file")], source=source) from None
    except OSError as error:
        raise InstanceError(
            [Problem.at((), f"cannot read: {error.strerror}")], source=source
        ) from None
    try:
        return parse_instance(content)
    except InstanceError as error:
        raise InstanceError(error.problems, source=source) from None


def dump_instance(instance: Instance) -> dict[str, Any]:
    """The JSON document of `instance`, holding exactly the fields that were set."""
    return instance.model_dump(mode="json", exclude_unset=True, by_alias=True)


def write_instance(instance: Instance, path: str | os.PathLike[str]) -> None:
    """Write `instance` as a JSON file at `path`; `read_instance` gives it back unchanged."""
    text = json.dumps(dump_instance(instance), indent=1, ensure_ascii=False, allow_nan=False)
    target = Path(path)
    # Write beside the target and rename, so a crash never leaves half a file behind.
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(target)


def _check(document: object) -> tuple[Instance | None, list[Problem]]:
    """The instance and no problems, or None and every structural and cross-record problem."""
    try:
        instance: Instance | None = Instance.model_validate(document)
        problems: list[Problem] = []
    except ValidationError as error:
        instance, problems = None, _structure_problems(error)
    if isinstance(document, Mapping):
        problems.extend(find_problems(document))
    return (instance if not problems else None), problems


# --- JSON text ---------------------------------------------------------------------------------


def _load_json(data: str | bytes) -> tuple[object, list[Problem]]:
    """The document in JSON text, and a problem for every key given twice in one object
    (plain `json` would keep the last silently)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InstanceError(
                [Problem.at((), f"not UTF-8 text at byte offset {error.start}")]
            ) from None
    repeated: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def build_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key, value in pairs:
            if key in record:
                # Holding the object keeps its id from being reused by another one.
                repeated.setdefault(id(record), (record, []))[1].append(key)
            record[key] = value
        return record

    try:
        document = json.loads(data, object_pairs_hook=build_object)
    except json.JSONDecodeError as error:
        message = f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        raise InstanceError([Problem.at((), message)]) from None
    if not repeated:
        return document, []
    problems = [
        Problem.at((*where, key), f'key "{key}" given twice in one object')
        for where, record in _objects(document, ())
        if id(record) in repeated
        for key in dict.fromkeys(repeated[id(record)][1])
    ]
    return document, problems


def _objects(value: object, where: Segments) -> Iterator[tuple[Segments, dict[str, Any]]]:
    if isinstance(value, dict):
        yield where, value
        for key, child in value.items():
            yield from _objects(child, (*where, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _objects(child, (*where, index))


# --- Structural problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Type:
    """A type of the schema with its constraints (Annotated unwrapped)."""

    annotation: Any
    constraints: tuple[Any, ...] = ()

    @classmethod
    def of(cls, annotation: Any, constraints: Sequence[Any] = ()) -> _Type:
        found = list(constraints)
        while typing.get_origin(annotation) is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            found.extend(extra)
        flat: list[Any] = []
        for constraint in found:
            flat.extend(constraint.metadata if isinstance(constraint, FieldInfo) else [constraint])
        return cls(annotation, tuple(flat))

    @property
    def members(self) -> tuple[_Type, ...]:
        if typing.get_origin(self.annotation) in (typing.Union, types.UnionType):
            return tuple(_Type.of(member) for member in typing.get_args(self.annotation))
        return ()

    def child(self, segment: str | int) -> _Type | None:
        """The type at `segment` below this one; None where the schema has nothing there."""
        origin = typing.get_origin(self.annotation)
        if isinstance(segment, int):
            if origin is list:
                return _Type.of(typing.get_args(self.annotation)[0])
            lists = [
                member for member in self.members if typing.get_origin(member.annotation) is list
            ]
            return lists[0].child(segment) if lists else None
        if origin is dict:
            return _Type.of(typing.get_args(self.annotation)[1])
        if isinstance(self.annotation, type) and issubclass(self.annotation, BaseModel):
            field = self.annotation.model_fields.get(segment)
            return _Type.of(field.annotation, field.metadata) if field is not None else None
        return None


def _structure_problems(error: ValidationError) -> list[Problem]:
    """One problem per path from pydantic's errors, in pydantic's order."""
    return describe_errors(error.errors(include_url=False), root=Instance)


def describe_errors(errors: Sequence[Mapping[str, Any]], *, root: type[BaseModel]) -> list[Problem]:
    """Pydantic's errors for a document of `root` as one problem per path, in pydantic's
    order, each saying what the path must hold (`must be a number >= 0, got "x"`)."""
    by_path: dict[Segments, tuple[_Type | None, list[Mapping[str, Any]]]] = {}
    for detail in errors:
        segments, found = _clean_loc(detail["loc"], root)
        by_path.setdefault(segments, (found, []))[1].append(detail)
    # A union (a number or a list of numbers) fails in every member; when a list member failed
    # deeper down, those deeper errors say what is wrong, not "not a number" at the list.
    above_others = {segments[:end] for segments in by_path for end in range(len(segments))}
    return [
        Problem.at(segments, _message(found, details), **_kind(found, details))
        for segments, (found, details) in by_path.items()
        if segments not in above_others
    ]


def _kind(found: _Type | None, details: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The code and values of the problem `_message` words, as `Problem.at` takes them."""
    kinds = {detail["type"] for detail in details}
    if "extra_forbidden" in kinds:
        return {"code": UNKNOWN_FIELD, "params": {"name": str(details[0]["loc"][-1])}}
    if "missing" in kinds:
        return {"code": MISSING}
    if kinds == {"string_too_long"}:
        limit = details[0].get("ctx", {}).get("max_length")
        return {"code": TOO_LONG, "params": {"limit": limit, "length": len(details[0]["input"])}}
    refused = details[0].get("ctx", {}).get("error") if kinds == {"value_error"} else None
    if isinstance(refused, TextRefused):
        return {"code": refused.code, "params": refused.params}
    expected = _describe(found) if found is not None else str(details[0]["msg"]).lower()
    return {"code": WRONG_TYPE, "params": {"expected": expected}}


def _missing_only(details: list[Mapping[str, Any]]) -> bool:
    """Whether the errors at a path say only that a required field is missing (as
    `_message` words it)."""
    kinds = {detail["type"] for detail in details}
    return "missing" in kinds and "extra_forbidden" not in kinds


def _clean_loc(loc: Sequence[str | int], root: type[BaseModel]) -> tuple[Segments, _Type | None]:
    """The document path of a pydantic error location, without the names pydantic gives union
    members and validator functions, and the schema type at that path."""
    found: _Type | None = _Type.of(root)
    segments: list[str | int] = []
    for part in loc:
        if found is not None and found.members and isinstance(part, str):
            # a union member's tag: of a tagged union of models (its `kind`), that member;
            # else (numbers and lists) the union stays
            found = _tagged_member(found, part) or found
            continue
        segments.append(part)
        found = found.child(part) if found is not None else None
    return tuple(segments), found


def _tagged_member(union: _Type, tag: str) -> _Type | None:
    """The member of a union of models whose Literal field holds `tag` (pydantic's name for
    the member of a tagged union), or None."""
    for member in union.members:
        model = member.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for field in model.model_fields.values():
            if typing.get_origin(field.annotation) is typing.Literal and tag in typing.get_args(
                field.annotation
            ):
                return member
    return None


def _message(found: _Type | None, details: list[Mapping[str, Any]]) -> str:
    kinds = {detail["type"] for detail in details}
    if "extra_forbidden" in kinds:
        return f'unknown field "{details[0]["loc"][-1]}"'
    if "missing" in kinds:
        return "required field is missing"
    if kinds == {"string_too_long"}:
        # The text itself is not echoed: it may be megabytes.
        limit = details[0].get("ctx", {}).get("max_length")
        return f"must be at most {limit} characters, got {len(details[0]['input'])}"
    if kinds == {"value_error"}:
        # Our own validators' messages (kuznia.text) say what is wrong and where.
        return str(details[0]["msg"]).removeprefix("Value error, ")
    got = _render(details[0]["input"])
    if found is None:
        return f"{str(details[0]['msg']).lower()}, got {got}"
    return f"must be {_describe(found)}, got {got}"


def _describe(found: _Type, plural: bool = False) -> str:
    """The type in words: `a number >= 0 or a list of numbers >= 0`."""
    annotation = found.annotation
    members = found.members
    bounds = _bounds(found.constraints)
    if members and {member.annotation for member in members} <= {int, float}:
        return ("numbers" if plural else "a number") + bounds
    if members:
        return " or ".join(_describe(member, plural) for member in members)
    generic = _describe_generic(annotation, plural)
    if generic is not None:
        return generic
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return ("integers" if plural else "an integer") + bounds
    if annotation is float:
        return ("numbers" if plural else "a number") + bounds
    if annotation is str:
        return _describe_string(found, plural)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "objects" if plural else "an object"
    return str(annotation)


def _describe_generic(annotation: Any, plural: bool) -> str | None:
    """A Literal, list or dict type in words; None for any other type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        values = ", ".join(json.dumps(value) for value in typing.get_args(annotation))
        if len(typing.get_args(annotation)) == 1:
            return values
        return f"values among {values}" if plural else f"one of {values}"
    if origin is list:
        element = _Type.of(typing.get_args(annotation)[0])
        return ("lists of " if plural else "a list of ") + _describe(element, plural=True)
    if origin is dict:
        value = _Type.of(typing.get_args(annotation)[1])
        return ("objects" if plural else "an object") + " of " + _describe(value, plural=True)
    return None


def _describe_string(found: _Type, plural: bool) -> str:
    """A string type in words: its pattern's name, non-empty or any."""
    for constraint in found.constraints:
        pattern = getattr(constraint, "pattern", None)
        if pattern is not None:
            return _PATTERN_NAMES.get(pattern, f"a string matching {pattern}")
    if any(isinstance(c, annotated_types.MinLen) and c.min_length > 0 for c in found.constraints):
        return "non-empty strings" if plural else "a non-empty string"
    return "strings" if plural else "a string"


def _bounds(constraints: Sequence[Any]) -> str:
    words = []
    for constraint in constraints:
        if isinstance(constraint, annotated_types.Gt):
            words.append(f"> {constraint.gt}")
        elif isinstance(constraint, annotated_types.Ge):
            words.append(f">= {constraint.ge}")
        elif isinstance(constraint, annotated_types.Lt):
            words.append(f"< {constraint.lt}")
        elif isinstance(constraint, annotated_types.Le):
            words.append(f"<= {constraint.le}")
    return (" " + " and ".join(words)) if words else ""


def _render(value: object) -> str:
    """A value as it would appear in JSON, cut short when long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _LONGEST_VALUE:
        text = text[: _LONGEST_VALUE - 3] + "..."
    return text
