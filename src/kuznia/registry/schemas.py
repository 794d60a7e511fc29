"""The API's schemas for each registry section, made from the instance format's records so
files, workbooks and the API share one set of fields and rules (names follow dispatch:
`LineCreate`, `LineUpdate`, `LineRead`, and `LineFilters` for a list's query)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from kuznia.registry.sections import Section

_STRICT = ConfigDict(extra="forbid", strict=True)

RecordFields = dict[str, Any]
"""A record's fields by API name, its read schema dumped: what a page fills a form or a table
from (each section's schema is made at run time, so no static type names its fields)."""


class RecordRead(BaseModel):
    """A registry record as the API shows it: its key and version, then the section's own
    fields (each section's read schema, `LineRead` and so on, adds them)."""

    id: int = Field(description="The database key, used in this API's paths.")
    version: int = Field(description="Counts the record's changes; send it with an update.")


class RecordFilters(BaseModel):
    """Which records of a section a list shows (None: any); each section's filter schema
    (`NeedFilters` and so on, from `Section.filters`) adds its fields."""

    model_config = ConfigDict(frozen=True)

    def given(self) -> dict[str, Any]:
        """The filters set, by name."""
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class SectionSchemas:
    create: type[BaseModel]
    update: type[BaseModel]
    read: type[RecordRead]
    filters: type[RecordFilters]


def _api_name(name: str) -> str:
    return "code" if name == "id" else name


def _described(info: FieldInfo, name: str, section: Section) -> FieldInfo:
    if name == "id":
        return FieldInfo.merge_field_infos(
            info, description=f"The {section.noun}'s code (its id in kuznia-instance/1 files)."
        )
    if name in section.references:
        noun = section.references[name].__tablename__.rstrip("s")
        return FieldInfo.merge_field_infos(info, description=f"The {noun}'s code.")
    return info


@cache
def section_schemas(section: Section) -> SectionSchemas:
    """The create, update, read and filter schemas of `section`."""
    fields: dict[str, Any] = {
        _api_name(name): (info.annotation, _described(info, name, section))
        for name, info in section.record.model_fields.items()
    }
    extra: dict[str, Any] = {
        name: (annotation, Field(default=default, description=description))
        for name, (annotation, default, description) in section.api_fields.items()
    }
    create = create_model(f"{section.title}Create", __config__=_STRICT, **fields, **extra)
    optional: dict[str, Any] = {
        name: (
            (Annotated[annotation, *info.metadata] if info.metadata else annotation) | None,
            Field(default=None, description=info.description),
        )
        for name, (annotation, info) in fields.items()
    } | {
        name: (annotation | None, Field(default=None, description=description))
        for name, (annotation, _, description) in section.api_fields.items()
    }
    update = create_model(
        f"{section.title}Update",
        __config__=_STRICT,
        version=(int, Field(description="The version the change was made on (from a read).")),
        **optional,
    )
    served: dict[str, Any] = {
        name: (annotation, Field(description=description))
        for name, (annotation, _, description) in section.api_fields.items()
    }
    read = create_model(
        f"{section.title}Read",
        __base__=RecordRead,
        **fields,
        **served,
    )
    filter_fields: dict[str, Any] = {
        name: (spec.type | None, Field(default=None, description=spec.description))
        for name, spec in section.filters.items()
    }
    filters = create_model(f"{section.title}Filters", __base__=RecordFilters, **filter_fields)
    return SectionSchemas(create=create, update=update, read=read, filters=filters)


def record_filters(section: Section, **values: Any) -> RecordFilters:
    """`section`'s list filters with these values (checked by its filter schema: a value of
    the wrong type is a ValidationError naming it)."""
    return section_schemas(section).filters.model_validate(values)
