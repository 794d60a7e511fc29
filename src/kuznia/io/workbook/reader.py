"""Reading the registry workbook back as an instance, all or nothing: the sheets into tables
(`tables`), the tables into an instance document (`document`), the instance's own checks
placed on cells (`placing`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from kuznia.instance import Instance, InstanceError, parse_instance
from kuznia.io.workbook.document import Assembler
from kuznia.io.workbook.placing import place_problems
from kuznia.io.workbook.problems import WorkbookError, in_workbook_order
from kuznia.io.workbook.tables import SheetReader


@dataclass(frozen=True)
class RegistryWorkbook:
    """What a registry workbook holds: the instance, and what the registry keeps beside it
    (decision 0016): the supplier country of each foreign supply record, in its order."""

    instance: Instance
    supplier_countries: list[str | None]


def read_registry_workbook(path: str | os.PathLike[str]) -> Instance:
    """The instance in the workbook at `path`, all or nothing. Raises WorkbookError with every
    bad cell, each named by sheet, row and column."""
    return read_registry(path).instance


def read_registry(path: str | os.PathLike[str]) -> RegistryWorkbook:
    """The instance in the workbook at `path` and the registry's own columns, all or nothing
    (WorkbookError with every bad cell, as `read_registry_workbook`)."""
    source = os.fspath(path)
    sheets = SheetReader()
    sheets.read(path, source=source)
    assembler = Assembler(sheets.tables, sheets.problems, sheets.incomplete)
    document = assembler.assemble()
    try:
        instance = parse_instance(document)
    except InstanceError as error:
        place_problems(error.problems, assembler)
        instance = None
    if assembler.problems or instance is None:
        raise WorkbookError(in_workbook_order(assembler.problems), source=source)
    countries = assembler.registry_only.get(("foreign_supply", "supplier_country"))
    return RegistryWorkbook(
        instance=instance,
        supplier_countries=countries or [None] * len(instance.foreign_supply),
    )
