"""The scenario document: named, stored changes to an instance (`kuznia-scenario/1`).

A scenario is a `kuznia-scenario/1` JSON document: a name and a list of changes, applied in order.

```json
{"format": "kuznia-scenario/1", "name": "east-dark", "description": "...",
 "changes": [
  {"kind": "capacity_loss", "regions": ["region-07"], "producers": [], "first_month": 3,
   "last_month": 5, "share": 1.0},
  {"kind": "foreign_supply_cut", "items": [], "categories": ["missiles"], "share": 0.5},
  {"kind": "budget_change", "fund": "state-budget", "years": [2027], "factor": 0.8},
  {"kind": "budget_change", "fund": "dk-programme", "amount": -2.0e8},
  {"kind": "need_surge", "categories": ["fpv_drones"], "groupings": ["g-east"], "factor": 1.5}]}
```
- `capacity_loss`: the lines of the named regions and producers lose `share` (default 1) of their
  capacity in months `first_month..last_month` (default: the whole horizon). Commitments of those
  months are cut to what is left (a struck producer cannot deliver its contracts). Two losses on
  one line-month compose: 50% and 50% leave 25%.
- `foreign_supply_cut`: foreign supply of the named items and categories (both empty: all of it)
  loses `share` in the months given. The instance format has no supplier country; the
  workbench resolves "supplier country X loses share s in months a..b" against the registry
  (which keeps each expected delivery's country) into one cut per item and run of months,
  `share` being s times X's part of that item's foreign supply there, each with `"country": "X"`
  as its label (decision 0016). The label changes nothing when applied; a cut with a
  `country` names its items.
- `budget_change`: a fund's budget in `years` (default: every year of the horizon) is multiplied
  by `factor`, or `amount` is added (negative: a cut; a budget never goes below 0).
- `need_surge`: needs of the named categories, items and groupings (empty: all) in the months
  given are multiplied by `factor`.

How a scenario is applied: `kuznia.resilience.disruption` (on an instance or on the arrays) and
`kuznia.resilience.models` (on the planning model).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuznia.instance.errors import ROOT, Problem, format_path
from kuznia.instance.schema import Instance

SCENARIO_FORMAT: Final = "kuznia-scenario/1"

Number = int | float
Share = Annotated[Number, Field(gt=0, le=1, allow_inf_nan=False)]
Factor = Annotated[Number, Field(ge=0, allow_inf_nan=False)]
Month = Annotated[int, Field(ge=0)]


class ScenarioError(Exception):
    """Raised when a scenario document cannot be read, breaks `kuznia-scenario/1`, or names
    regions, producers, funds, items, categories, groupings, months or years its instance lacks.

    `problems` lists every problem found, each with its JSON path.
    """

    def __init__(self, problems: list[Problem], *, source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        noun = "problem" if len(self.problems) == 1 else "problems"
        lines = [f"{where}{len(self.problems)} {noun} in the scenario:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Months(_Record):
    first_month: Month = 0
    last_month: Month | None = None  # inclusive; None: to the end of the horizon


class CapacityLoss(_Months):
    """The lines of `regions` and `producers` lose `share` of their capacity in the months."""

    kind: Literal["capacity_loss"]
    regions: list[str] = Field(default_factory=list)
    producers: list[str] = Field(default_factory=list)
    share: Share = 1.0


class ForeignSupplyCut(_Months):
    """Foreign supply of `items` and `categories` (both empty: all) loses `share`. `country`
    is a label only: the supplier country the workbench resolved this cut from."""

    kind: Literal["foreign_supply_cut"]
    items: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    share: Share = 1.0
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class BudgetChange(_Record):
    """A fund's budget in `years` (empty: the horizon) times `factor`, or plus `amount`."""

    kind: Literal["budget_change"]
    fund: str = Field(min_length=1)
    years: list[int] = Field(default_factory=list)
    factor: Factor | None = None
    amount: Annotated[Number, Field(allow_inf_nan=False)] | None = None


class NeedSurge(_Months):
    """Needs of `categories`, `items` and `groupings` (empty: all) times `factor`."""

    kind: Literal["need_surge"]
    categories: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)
    groupings: list[str] = Field(default_factory=list)
    factor: Factor


Change = Annotated[
    CapacityLoss | ForeignSupplyCut | BudgetChange | NeedSurge, Field(discriminator="kind")
]
CHANGE_KINDS: Final = ("capacity_loss", "foreign_supply_cut", "budget_change", "need_surge")


class Scenario(_Record):
    """Named changes to an instance, applied in order."""

    format: Literal["kuznia-scenario/1"] = SCENARIO_FORMAT
    name: str = Field(min_length=1)
    description: str = ""
    changes: list[Change] = Field(default_factory=list)


# --- Reading and checking ----------------------------------------------------------------------


def parse_scenario(
    data: dict[str, Any] | str | bytes, *, instance: Instance | None = None
) -> Scenario:
    """The scenario in `data` (a JSON-like dict or JSON text). Raises ScenarioError with every
    problem at once: structure, rules within a change, and (given `instance`) every region,
    producer, fund, item, category, grouping, month or year the instance lacks."""
    document: object
    if isinstance(data, str | bytes):
        try:
            document = json.loads(data)
        except json.JSONDecodeError as error:
            message = f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
            raise ScenarioError([Problem(ROOT, message)]) from None
        except UnicodeDecodeError as error:
            message = f"not UTF-8 text at byte offset {error.start}"
            raise ScenarioError([Problem(ROOT, message)]) from None
    else:
        document = data
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(document)
        problems: list[Problem] = []
    except ValidationError as error:
        problems = _structure_problems(error)
    changes = _changes(document)
    problems.extend(_rule_problems(changes))
    if instance is not None:
        problems.extend(_reference_problems(changes, instance))
    if problems or scenario is None:
        raise ScenarioError(_in_order(problems))
    return scenario


def read_scenario(path: str | os.PathLike[str], *, instance: Instance | None = None) -> Scenario:
    """The scenario in the JSON file at `path`, checked against `instance` when given; raises
    ScenarioError naming the file and every problem."""
    source = os.fspath(path)
    try:
        content = Path(path).read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem(ROOT, "no such file")], source=source) from None
    except OSError as error:
        raise ScenarioError(
            [Problem(ROOT, f"cannot read: {error.strerror}")], source=source
        ) from None
    try:
        return parse_scenario(content, instance=instance)
    except ScenarioError as error:
        raise ScenarioError(error.problems, source=source) from None


def dump_scenario(scenario: Scenario) -> dict[str, Any]:
    """The JSON document of `scenario`."""
    return scenario.model_dump(mode="json", exclude_unset=True)


def check_scenario(*, scenario: Scenario, instance: Instance) -> list[Problem]:
    """Every reference in `scenario` that `instance` lacks, and months or years outside its
    horizon, each at its JSON path."""
    return _reference_problems(_changes(dump_scenario(scenario)), instance)


def _changes(document: object) -> list[tuple[int, dict[str, Any]]]:
    """The changes of a raw document that are objects, with their index (others are reported
    by the structural check)."""
    changes = document.get("changes") if isinstance(document, dict) else None
    if not isinstance(changes, list):
        return []
    return [(k, change) for k, change in enumerate(changes) if isinstance(change, dict)]


def _reference_problems(
    changes: list[tuple[int, dict[str, Any]]], instance: Instance
) -> list[Problem]:
    known = {
        "regions": ("region", {p.region for p in instance.producers}),
        "producers": ("producer", {p.id for p in instance.producers}),
        "items": ("item", {i.id for i in instance.items}),
        "categories": ("category", {i.category for i in instance.items}),
        "groupings": ("grouping", {g.id for g in instance.groupings}),
    }
    funds = {f.id for f in instance.funds}
    years = sorted({instance.year_of_month(t) for t in range(instance.months)})
    problems = []
    for index, change in changes:
        for field, (noun, values) in known.items():
            listed = change.get(field)
            for position, value in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(value, str) and value not in values:
                    problems.append(
                        Problem(
                            format_path(("changes", index, field, position)),
                            f'unknown {noun} "{value}"',
                        )
                    )
        fund = change.get("fund")
        if isinstance(fund, str) and fund and fund not in funds:
            problems.append(
                Problem(format_path(("changes", index, "fund")), f'unknown fund "{fund}"')
            )
        listed_years = change.get("years")
        for position, year in enumerate(listed_years if isinstance(listed_years, list) else []):
            if _is_int(year) and year not in years:
                problems.append(
                    Problem(
                        format_path(("changes", index, "years", position)),
                        f"year {year} is outside the horizon {years[0]}..{years[-1]}",
                    )
                )
        for field in ("first_month", "last_month"):
            month = change.get(field)
            if _is_int(month) and month >= instance.months:
                problems.append(
                    Problem(
                        format_path(("changes", index, field)),
                        f"month {month} is outside the horizon 0..{instance.months - 1}",
                    )
                )
    return problems


def _rule_problems(changes: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
    """Rules across the fields of one change."""
    problems = []
    for index, change in changes:
        where = ("changes", index)
        kind = change.get("kind")
        if kind == "capacity_loss" and not (change.get("regions") or change.get("producers")):
            problems.append(
                Problem(format_path(where), "a capacity_loss names at least one region or producer")
            )
        if (
            kind == "foreign_supply_cut"
            and change.get("country") is not None
            and not (change.get("items") or change.get("categories"))
        ):
            problems.append(
                Problem(
                    format_path((*where, "country")),
                    "a foreign_supply_cut labelled with a supplier country names its items: "
                    "the workbench resolves a country against the registry when it stores the "
                    "scenario",
                )
            )
        if kind == "budget_change" and (change.get("factor") is None) == (
            change.get("amount") is None
        ):
            problems.append(
                Problem(format_path(where), 'a budget_change has exactly one of "factor", "amount"')
            )
        first, last = change.get("first_month", 0), change.get("last_month")
        if _is_int(first) and _is_int(last) and last < first:
            problems.append(
                Problem(
                    format_path((*where, "last_month")),
                    f"last_month {last} is before first_month {first}",
                )
            )
    return problems


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Problems by change, in the order found within one change."""

    def position(problem: Problem) -> int:
        head, _, rest = problem.path.partition("[")
        index = rest.split("]")[0]
        return int(index) if head == "changes" and index.isdigit() else -1

    return sorted(problems, key=position)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _structure_problems(error: ValidationError) -> list[Problem]:
    """One problem per path from pydantic's errors, without the tags pydantic gives union
    members (`changes[0].capacity_loss.share` is written `changes[0].share`)."""
    problems: dict[str, Problem] = {}
    for detail in error.errors(include_url=False):
        loc = list(detail["loc"])
        segments = [
            part
            for k, part in enumerate(loc)
            if not (k > 0 and isinstance(loc[k - 1], int) and part in CHANGE_KINDS)
        ]
        segments = [s for s in segments if not (isinstance(s, str) and s.startswith("function"))]
        path = format_path(segments)
        if path in problems:
            continue
        kind = detail["type"]
        got = _render(detail.get("input"))
        if kind == "extra_forbidden":
            message = f'unknown field "{loc[-1]}"'
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "union_tag_invalid":
            tag = _render(detail.get("ctx", {}).get("tag"))
            message = f"unknown kind {tag}, expected one of {', '.join(CHANGE_KINDS)}"
            path = format_path((*segments, "kind"))
        elif kind == "union_tag_not_found":
            message = f'"kind" is missing: one of {", ".join(CHANGE_KINDS)}'
        else:
            text = str(detail["msg"])
            message = f"{text[:1].lower()}{text[1:]}, got {got}"
        problems[path] = Problem(path, message)
    return list(problems.values())


def _render(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
