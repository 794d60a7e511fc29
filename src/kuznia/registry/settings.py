"""The registry's horizon and operation weights (the instance's top-level fields), and the
registry as one instance document."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kuznia import models
from kuznia.auth.permissions import Action, Scope
from kuznia.documents import JsonObject
from kuznia.errors import Conflict, NotFound, ensure_version
from kuznia.instance import InstanceError, dump_instance, schema
from kuznia.registry.exact import given_number
from kuznia.registry.snapshot import RegistryEmptyError, export_instance
from kuznia.text import Name


class SettingsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: int | None = Field(
        default=None, description="The version read; leave out only when setting them first."
    )
    name: Name = "unnamed"
    start: str = Field(pattern=schema.START_PATTERN, description="First month, YYYY-MM.")
    months: int = Field(ge=1, le=600)
    currency: Name = "USD"
    operation_weights: schema.OperationWeights = Field(default_factory=schema.OperationWeights)


class SettingsRead(BaseModel):
    name: str
    start: str
    months: int
    currency: str
    operation_weights: dict[str, int | float]
    version: int


def _read(row: models.PlanningSettings) -> SettingsRead:
    return SettingsRead(
        name=row.name,
        start=row.start,
        months=row.months,
        currency=row.currency,
        operation_weights={
            name: given_number(
                getattr(row, f"weight_{name}"), getattr(row, f"weight_{name}_is_int")
            )
            for name in schema.OperationWeights.model_fields
        },
        version=row.version,
    )


def get_settings(*, session: Session, scope: Scope) -> SettingsRead:
    """The horizon and weights."""
    scope.require("settings", Action.read)
    row = session.get(models.PlanningSettings, models.SETTINGS_ID)
    if row is None:
        raise NotFound("the registry has no settings yet: import an instance or PUT /settings")
    return _read(row)


def currency(*, session: Session) -> str | None:
    """The registry's currency (what every amount is in), or None before there are settings."""
    row = session.get(models.PlanningSettings, models.SETTINGS_ID)
    return row.currency if row is not None else None


def put_settings(*, session: Session, scope: Scope, body: SettingsWrite) -> SettingsRead:
    """Set the horizon and weights; refused (409) if records would fall outside the horizon."""
    scope.require("settings", Action.write)
    row = session.get(models.PlanningSettings, models.SETTINGS_ID)
    if row is None:
        row = models.PlanningSettings(id=models.SETTINGS_ID)
        session.add(row)
    else:
        if body.version is None:
            raise Conflict("the settings exist: send the version you read with the change")
        ensure_version(current=row.version, given=body.version, what="the settings")
    row.name, row.start, row.months, row.currency = (
        body.name,
        body.start,
        body.months,
        body.currency,
    )
    for name in schema.OperationWeights.model_fields:
        value = getattr(body.operation_weights, name)
        setattr(row, f"weight_{name}", float(value))
        setattr(row, f"weight_{name}_is_int", type(value) is int)
    given = body.model_fields_set - {"version"}
    row.defaulted = [
        name for name in ("name", "currency", "operation_weights") if name not in given
    ] or None
    session.flush()
    try:
        export_instance(session=session)
    except InstanceError as error:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        raise Conflict(
            f"with these settings the registry breaks the format ({len(error.problems)} "
            f"problem(s)): {shown}"
        ) from None
    return _read(row)


def instance_document(*, session: Session, scope: Scope) -> JsonObject:
    """The registry as a kuznia-instance/1 document."""
    scope.require("instance", Action.read)
    try:
        instance = export_instance(session=session)
    except RegistryEmptyError as error:
        raise NotFound(str(error)) from None
    except InstanceError as error:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        raise Conflict(f"the registry breaks the format: {shown}") from None
    document: JsonObject = dump_instance(instance)
    return document
