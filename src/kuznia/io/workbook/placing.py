"""Placing the instance's own problems on the cells their values came from.

The instance's checks (`kuznia.instance`) report each problem with its location as data
(`("lines", 5, "item")`), its kind (`code`) and, for a reference or a duplicate, the section it
names or the first record. A record sheet's records are its rows in order, so a location maps
to a sheet, row and column directly: `("needs", 7)` is the 8th row of Needs,
`("needs", 7, "month")` its month cell, `("funds", 2, "eligible", "categories")` the fund's
eligible_categories cell, `("lines", 5, "capacity", 3)` a cell of "Capacity by month".
Values with no such rule (settings, JV partners, fund budgets) were recorded by the
`Assembler` as it read them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kuznia.instance import Problem
from kuznia.instance.errors import MISSING, UNKNOWN_REFERENCE, Segments
from kuznia.io.workbook.document import Assembler
from kuznia.io.workbook.layout import RECORD_SHEETS, SECTION_SHEETS
from kuznia.io.workbook.problems import EMPTY_CELL, CellProblem, quoted
from kuznia.io.workbook.tables import COVERED, Where

_SPECS = {spec.section: spec for spec in RECORD_SHEETS}
_NAME = re.compile(r"[a-z_]+")


def place_problems(problems: Sequence[Problem], assembler: Assembler) -> None:
    """Add the instance's `problems` to the assembler's, each on its cell; a problem on a cell
    that was reported already is a consequence of that one and left out."""
    reported = {(problem.sheet, problem.row, problem.letter) for problem in assembler.problems}
    for problem in problems:
        location = problem.location or ()
        where = _locate(location, assembler)
        if where is COVERED or (
            problem.code == UNKNOWN_REFERENCE
            and problem.refers_to is not None
            and SECTION_SHEETS.get(problem.refers_to) in assembler.incomplete
        ):
            continue
        message = _in_cells(problem, assembler)
        code, params = problem.code or "", problem.params
        if where is None:
            sheet = SECTION_SHEETS.get(str(location[0])) if location else None
            assembler.problems.append(
                CellProblem(sheet, None, None, None, f"{problem.path}: {message}", code, params)
            )
        elif (where.sheet, where.row, where.letter) not in reported:
            if problem.code == MISSING:
                message, code = "required, but the cell is empty", EMPTY_CELL
            assembler.problems.append(where.problem(message, code, params))


def _in_cells(problem: Problem, assembler: Assembler) -> str:
    """The message with the first record of a duplicate (`first at lines[0]`) as a cell."""
    if problem.first is None:
        return problem.message
    where = _locate(problem.first, assembler)
    if where is None or where is COVERED or where.row is None:
        return problem.message
    return problem.naming_first(f"in {quoted(where.sheet)}!{where.letter}{where.row}")


def _locate(location: Segments, assembler: Assembler) -> Where | None:
    """Where a location's value came from: the location itself, or its longest known prefix."""
    for end in range(len(location), 0, -1):
        prefix = location[:end]
        where = assembler.located.get(prefix) or _cell_at(prefix, assembler)
        if where is not None:
            return where
    return None


def _cell_at(location: Segments, assembler: Assembler) -> Where | None:
    """The cell of a record sheet at a location: `("needs", 7)` (the row), `("needs", 7,
    "month")`, `("funds", 2, "eligible", "categories")`, `("lines", 5, "capacity", 3)` (a
    by-month cell)."""
    if not 2 <= len(location) <= 4:
        return None
    section, index, *rest = location
    name = rest[0] if rest else None
    below = rest[1] if len(rest) == 2 else None
    if not (
        isinstance(section, str)
        and _NAME.fullmatch(section)
        and isinstance(index, int)
        and (name is None or (isinstance(name, str) and _NAME.fullmatch(name)))
        and (below is None or isinstance(below, int) or _NAME.fullmatch(below))
    ):
        return None
    month = below if isinstance(below, int) else None
    sub = below if isinstance(below, str) else None
    month_row = (
        assembler.month_rows.get((index, name))
        if section == "lines" and isinstance(name, str)
        else None
    )
    if month_row is not None:
        return month_row.where if month is None else month_row.cell(month)
    table = assembler.record_sheets.get(section)
    if table is None or index >= len(table.rows) or month is not None:
        return None
    spec = _SPECS[section]
    if name is None:
        header = next(iter(spec.headers))
    elif sub is not None:
        header = f"eligible_{sub}" if name == "eligible" else ""
    else:
        header = str(name)
    if header not in spec.headers:
        return None
    where = table.where(table.rows[index][0], header)
    return COVERED if where.letter is None else where
