"""The registry as a workbook, for a caller's scope: written for those who read the whole
registry, and read back from an uploaded workbook all or nothing, replacing the registry
(audited as one `replace` of the registry by kuznia.registry.snapshot).

A workbook that cannot be read or breaks the format raises `WorkbookRefused` with every bad
cell (sheet, row, column): nothing is written then.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kuznia.auth.permissions import Action, Scope
from kuznia.errors import Conflict, FieldProblem, InvalidInput
from kuznia.instance.errors import InstanceError
from kuznia.instance.schema import Instance
from kuznia.io.workbook import (
    CellProblem,
    WorkbookError,
    read_registry,
    write_registry_workbook,
)
from kuznia.registry import repository
from kuznia.registry.snapshot import (
    ImportReport,
    RegistryEmptyError,
    export_instance,
    export_supplier_countries,
    import_instance,
)

__all__ = [
    "WorkbookImported",
    "WorkbookRefused",
    "import_registry_workbook",
    "registry_workbook",
]


class WorkbookRefused(Exception):
    """Raised when an uploaded workbook cannot be imported; `problems` holds every bad cell."""

    def __init__(self, problems: list[CellProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the workbook")

    def invalid_input(self) -> InvalidInput:
        """The refusal in the one error shape (422): each problem's field is its cell, e.g.
        `Lines!D7 (capacity)`, its sheet, or `workbook`."""
        count = len(self.problems)
        shown = "; ".join(str(problem) for problem in self.problems[:3])
        more = f"; and {count - 3} more" if count > 3 else ""
        return InvalidInput(
            f"{count} problem{'s' if count != 1 else ''} in the workbook, nothing was "
            f"imported: {shown}{more}",
            problems=[
                FieldProblem(
                    problem.where, problem.message, kind=problem.code, params=problem.params
                )
                for problem in self.problems
            ],
        )


class WorkbookImported(BaseModel):
    """What an imported workbook did: the records it wrote per section, and the
    organisations whose producer or funds the new registry no longer has (links dropped)."""

    counts: dict[str, int]
    unlinked_organisations: list[str]


def registry_workbook(*, session: Session, scope: Scope) -> bytes:
    """The registry as the workbook people fill in (the empty template when there is none);
    for those who read the whole registry (planners, auditors)."""
    scope.require("instance", Action.read)
    countries: list[str | None] = []
    try:
        instance = export_instance(session=session)
        countries = export_supplier_countries(session=session)
    except RegistryEmptyError:
        instance = None
    except InstanceError as error:
        shown = "; ".join(str(problem) for problem in error.problems[:5])
        raise Conflict(f"the registry breaks the format: {shown}") from None
    with tempfile.TemporaryDirectory(prefix="kuznia-registry-") as folder:
        path = Path(folder) / "registry.xlsx"
        write_registry_workbook(instance, path, supplier_countries=countries)
        return path.read_bytes()


def import_registry_workbook(*, session: Session, scope: Scope, content: bytes) -> ImportReport:
    """Replace the registry with the one in the workbook `content` (planners only); raises
    WorkbookRefused with every bad cell, having written nothing."""
    scope.require("instance", Action.write)
    with tempfile.TemporaryDirectory(prefix="kuznia-upload-") as folder:
        path = Path(folder) / "upload.xlsx"
        path.write_bytes(content)
        try:
            workbook = read_registry(path)
        except WorkbookError as error:
            raise WorkbookRefused(error.problems) from None
    _refuse_dropping_active_inputs(session=session, instance=workbook.instance)
    try:
        return import_instance(
            session=session,
            instance=workbook.instance,
            replace=True,
            supplier_countries=workbook.supplier_countries,
        )
    except InstanceError as error:
        raise WorkbookRefused(
            [
                CellProblem(
                    None, None, None, None, str(problem), problem.code or "", problem.params
                )
                for problem in error.problems
            ]
        ) from None
    except IntegrityError as error:
        first = str(error.orig).strip().splitlines()[0] if error.orig else "integrity"
        raise Conflict(
            f"the registry cannot be replaced: other records refer to it ({first[:200]})"
        ) from None


def _refuse_dropping_active_inputs(*, session: Session, instance: Instance) -> None:
    """A line or an expansion in a queued or running plan run's input stays while the run
    does (as a delete is refused, kuznia.registry.service): a workbook without it is refused
    (409) naming the runs and the codes."""
    lines = {line.id for line in instance.lines}
    expansions = {expansion.id for expansion in instance.expansions}
    problems = []
    for run_id, run_lines, run_expansions in repository.active_run_inputs(session=session):
        dropped = sorted(run_lines - lines) + sorted(run_expansions - expansions)
        if dropped:
            shown = ", ".join(dropped[:5]) + (
                f" and {len(dropped) - 5} more" if len(dropped) > 5 else ""
            )
            problems.append(FieldProblem(f"plan_runs.{run_id}", shown, code="still_referenced"))
    if problems:
        raise Conflict(
            "the workbook drops lines or expansions that plan runs queued or running read: "
            + "; ".join(f"run {p.field.split('.')[1]}: {p.message}" for p in problems)
            + ": wait for them to finish or cancel them, then import again",
            problems=problems,
        )
