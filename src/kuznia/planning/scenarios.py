"""Scenarios: named, stored changes to an instance, and the models that evaluate them.

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
  loses `share` in the months given. The format has no partner field; cut by item or category.
- `budget_change`: a fund's budget in `years` (default: every year of the horizon) is multiplied
  by `factor`, or `amount` is added (negative: a cut; a budget never goes below 0).
- `need_surge`: needs of the named categories, items and groupings (empty: all) in the months
  given are multiplied by `factor`.

Three ways to apply a scenario, one meaning:
- `apply_scenario(instance, scenario)`: a new `Instance` (what `kuznia scenario apply` writes);
- `disruption_of(plan_input, scenario)` then `apply_disruption(plan_input, disruption)`: the same
  change on the arrays, without pydantic (what Monte Carlo sweeps use: they also sample
  `Disruption`s directly);
- `disrupted_model(template, disruption)`: the planning model of the base with bounds, right-hand
  sides and capacity coefficients changed. Same columns and rows as the base model, so a base
  solution or basis fits it, and a capacity loss also takes out the capacity that chosen
  expansions add to a struck line: the instance format holds an expansion's added capacity as
  one number from its active month on and cannot lose some months of it, so `apply_scenario`
  leaves it (and `kuznia scenario apply` says so).

`fixed_contract_model` is the base plan's contracts held under a disruption: deliveries fixed to
min(planned deliveries, disrupted capacity), expansions as planned, no new contracts; only
stock and allocation adapt (docs/decisions/0005-resilience.md).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeGuard

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuznia.instance.errors import ROOT, Problem, format_path
from kuznia.instance.io import dump_instance
from kuznia.instance.schema import Instance
from kuznia.planning.inputs import BoolArray, FloatArray, IntArray, PlanInput
from kuznia.planning.model import Model, PlanningModel, build_model
from kuznia.planning.results import PlanReport, PlanResult, empty_result, read_result
from kuznia.planning.solve import Solution, SolveOptions, SolveStatus, solve_lexicographic

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
    """Foreign supply of `items` and `categories` (both empty: all) loses `share`."""

    kind: Literal["foreign_supply_cut"]
    items: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    share: Share = 1.0


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


# --- Disruptions: a scenario on the arrays -----------------------------------------------------


@dataclass(frozen=True, eq=False)
class Disruption:
    """A scenario resolved to the arrays of one PlanInput (factors are 1 where nothing changes)."""

    capacity_kept: FloatArray  # [L, T] share of each line's capacity left
    foreign_supply_kept: FloatArray  # [I, T] share of foreign supply that arrives
    budget: FloatArray  # [F, Y] the budget after the change
    need_factor: FloatArray  # [I, G, T] factor on needs of item i for grouping g in month t

    @classmethod
    def none(cls, plan_input: PlanInput) -> Disruption:
        """No change at all."""
        return cls(
            capacity_kept=np.ones((plan_input.n_lines, plan_input.months)),
            foreign_supply_kept=np.ones((plan_input.n_items, plan_input.months)),
            budget=plan_input.budget.copy(),
            need_factor=np.ones(
                (plan_input.n_items, len(plan_input.grouping_ids), plan_input.months)
            ),
        )


def disruption_of(plan_input: PlanInput, scenario: Scenario) -> Disruption:
    """The scenario's changes on `plan_input`'s arrays (references must have been checked)."""
    pi = plan_input
    capacity_kept = np.ones((pi.n_lines, pi.months))
    foreign_kept = np.ones((pi.n_items, pi.months))
    budget = pi.budget.astype(np.float64, copy=True)
    need_factor = np.ones((pi.n_items, len(pi.grouping_ids), pi.months))
    line_region = np.asarray(pi.producer_region, dtype=object)[pi.line_producer]
    line_producer = np.asarray(pi.producer_ids, dtype=object)[pi.line_producer]
    category = np.asarray(pi.item_category, dtype=object)
    item_ids = np.asarray(pi.item_ids, dtype=object)
    for change in scenario.changes:
        if isinstance(change, BudgetChange):
            fund = pi.fund_ids.index(change.fund)
            years = (
                np.isin(pi.years, change.years) if change.years else np.ones(len(pi.years), bool)
            )
            if change.factor is not None:
                budget[fund, years] *= float(change.factor)
            else:
                budget[fund, years] = np.maximum(
                    0.0, budget[fund, years] + float(change.amount or 0)
                )
            continue
        months = _month_mask(pi.months, change.first_month, change.last_month)
        if isinstance(change, CapacityLoss):
            lines = _isin(line_region, change.regions) | _isin(line_producer, change.producers)
            capacity_kept[np.ix_(lines, months)] *= 1.0 - float(change.share)
        elif isinstance(change, ForeignSupplyCut):
            items = _item_mask(item_ids, category, change.items, change.categories)
            foreign_kept[np.ix_(items, months)] *= 1.0 - float(change.share)
        else:
            items = _item_mask(item_ids, category, change.items, change.categories)
            groupings = (
                _isin(np.asarray(pi.grouping_ids, dtype=object), change.groupings)
                if change.groupings
                else np.ones(len(pi.grouping_ids), bool)
            )
            need_factor[np.ix_(items, groupings, months)] *= float(change.factor)
    return Disruption(
        capacity_kept=capacity_kept,
        foreign_supply_kept=foreign_kept,
        budget=budget,
        need_factor=need_factor,
    )


def _month_mask(months: int, first: int, last: int | None) -> BoolArray:
    month = np.arange(months)
    return (month >= first) & (month <= (months - 1 if last is None else last))


def _isin(values: np.ndarray, allowed: list[str]) -> BoolArray:
    return (
        np.isin(values, np.asarray(allowed, dtype=object))
        if allowed
        else np.zeros(len(values), bool)
    )


def _item_mask(
    item_ids: np.ndarray, category: np.ndarray, items: list[str], categories: list[str]
) -> BoolArray:
    if not items and not categories:
        return np.ones(len(item_ids), bool)
    return _isin(item_ids, items) | _isin(category, categories)


def committed_after(plan_input: PlanInput, capacity_kept: FloatArray) -> FloatArray:
    """Commitments [L, T] after a capacity loss: where a line-month lost capacity, what is left
    of its stated capacity bounds its commitment."""
    return np.where(
        capacity_kept < 1.0,
        np.minimum(plan_input.committed, capacity_kept * plan_input.capacity),
        plan_input.committed,
    )


def apply_disruption(plan_input: PlanInput, disruption: Disruption) -> PlanInput:
    """`plan_input` with the disruption applied to its arrays (capacity, commitments, foreign
    supply, budget, needs); equal to `PlanInput.from_instance(apply_scenario(...))`."""
    pi = plan_input
    return replace(
        pi,
        capacity=pi.capacity * disruption.capacity_kept,
        committed=committed_after(pi, disruption.capacity_kept),
        foreign_supply=pi.foreign_supply * disruption.foreign_supply_kept,
        budget=disruption.budget.copy(),
        need=pi.need * disruption.need_factor[pi.class_item, pi.class_grouping, :],
    )


def apply_scenario(instance: Instance, scenario: Scenario) -> Instance:
    """A new instance with the scenario's changes; `instance` is not changed. Raises
    ScenarioError when the scenario names what the instance lacks."""
    problems = check_scenario(scenario=scenario, instance=instance)
    if problems:
        raise ScenarioError(problems)
    plan_input = PlanInput.from_instance(instance)
    disruption = disruption_of(plan_input, scenario)
    document = dump_instance(instance)
    document["name"] = f"{instance.name}/{scenario.name}"
    kept = disruption.capacity_kept
    struck = np.nonzero((kept < 1.0).any(axis=1))[0]
    for struck_line in struck:
        document["lines"][struck_line]["capacity"] = [
            _number(v) for v in plan_input.capacity[struck_line] * kept[struck_line]
        ]
    if document.get("commitments"):
        line_index = {line_id: k for k, line_id in enumerate(plan_input.line_ids)}
        after = committed_after(plan_input, kept)
        for record in document["commitments"]:
            line, month = line_index[record["line"]], record["month"]
            total = plan_input.committed[line, month]
            if after[line, month] < total:
                record["quantity"] = _number(record["quantity"] * after[line, month] / total)
    item_index = {item_id: k for k, item_id in enumerate(plan_input.item_ids)}
    for record in document.get("foreign_supply", []):
        factor = disruption.foreign_supply_kept[item_index[record["item"]], record["month"]]
        if factor != 1.0:
            record["quantity"] = _number(record["quantity"] * factor)
    grouping_index = {g: k for k, g in enumerate(plan_input.grouping_ids)}
    for record in document.get("needs", []):
        factor = disruption.need_factor[
            item_index[record["item"]], grouping_index[record["grouping"]], record["month"]
        ]
        if factor != 1.0:
            record["quantity"] = _number(record["quantity"] * factor)
    for fund, record in enumerate(document.get("funds", [])):
        changed = np.nonzero(disruption.budget[fund] != plan_input.budget[fund])[0]
        if changed.size:
            budget = dict(record.get("budget", {}))
            for year in changed:
                budget[str(plan_input.years[year])] = _number(disruption.budget[fund, year])
            record["budget"] = budget
    return Instance.model_validate(document)


def struck_expansions(instance: Instance, scenario: Scenario) -> list[str]:
    """Expansions whose line loses capacity in the scenario: `apply_scenario` keeps their added
    capacity (the format cannot hold a loss of some months), `disrupted_model` takes it out."""
    plan_input = PlanInput.from_instance(instance)
    kept = disruption_of(plan_input, scenario).capacity_kept
    struck = np.asarray((kept < 1.0).any(axis=1), dtype=bool)[plan_input.expansion_line]
    return [plan_input.expansion_ids[e] for e in np.nonzero(struck)[0]]


def _number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


# --- The model of a disrupted input ------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScenarioTemplate:
    """The base planning model and the index arrays that a disruption changes."""

    plan_input: PlanInput
    planning_model: PlanningModel
    coef_rows: IntArray
    coef_cols: IntArray
    coef_vals: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    capacity_total: FloatArray  # [L, T] stated capacity plus every expansion's
    delivery_scale: FloatArray  # per delivery column: units per pack
    expansion_entry: IntArray  # positions in coef_* of z's coefficients in capacity rows
    expansion_entry_line: IntArray
    expansion_entry_month: IntArray
    group_need_base: FloatArray  # [K, T]
    categories: list[str]  # categories with need, sorted
    group_category: IntArray  # [K] index into categories


def template_for(plan_input: PlanInput) -> ScenarioTemplate:
    """Build the base model (lp) once; every disruption of it is then a change of numbers."""
    planning_model = build_model(plan_input, mode="lp")
    model, layout = planning_model.model, planning_model.layout
    rows = np.concatenate(model.coef_rows) if model.coef_rows else np.zeros(0, np.int64)
    cols = np.concatenate(model.coef_cols) if model.coef_cols else np.zeros(0, np.int64)
    vals = np.concatenate(model.coef_vals) if model.coef_vals else np.zeros(0)
    col_lower, col_upper, row_lower, row_upper = model.bounds()
    months = plan_input.months
    extra = np.zeros((plan_input.n_lines, months))
    if plan_input.n_expansions:
        active = np.arange(months)[None, :] >= plan_input.expansion_active[:, None]
        np.add.at(extra, plan_input.expansion_line, active * plan_input.expansion_capacity[:, None])
    entry = np.zeros(0, np.int64)
    entry_line = entry_month = entry
    if "capacity" in model.rows and model.rows["capacity"].size:
        capacity_rows, expansion_cols = model.rows["capacity"], model.columns["expansion"]
        entry = np.nonzero(
            (rows >= capacity_rows.start)
            & (rows < capacity_rows.start + capacity_rows.size)
            & (cols >= expansion_cols.start)
            & (cols < expansion_cols.start + expansion_cols.size)
        )[0]
        position = rows[entry] - capacity_rows.start
        entry_line = layout.capacity_row_line[position]
        entry_month = layout.capacity_row_month[position]
    groups = layout.service_groups
    category_of_item = np.asarray(plan_input.item_category, dtype=object)
    group_category_names = (
        category_of_item[groups.item] if groups.item.size else np.zeros(0, object)
    )
    has_need = groups.need.sum(axis=1) > 0
    categories = sorted({str(c) for c in group_category_names[has_need]})
    lookup = {c: k for k, c in enumerate(categories)}
    return ScenarioTemplate(
        plan_input=plan_input,
        planning_model=planning_model,
        coef_rows=rows,
        coef_cols=cols,
        coef_vals=vals,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        capacity_total=plan_input.capacity + extra,
        delivery_scale=layout.item_scale[plan_input.line_item[layout.delivery_line]],
        expansion_entry=entry,
        expansion_entry_line=entry_line,
        expansion_entry_month=entry_month,
        group_need_base=groups.need,
        categories=categories,
        group_category=np.array([lookup.get(str(c), -1) for c in group_category_names], np.int64),
    )


@dataclass(frozen=True, eq=False)
class DisruptedNumbers:
    """What a disruption changes in the base model: bounds, right-hand sides, coefficients."""

    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    coef_vals: FloatArray
    delivery_upper: FloatArray  # per delivery column, in units
    group_need: FloatArray  # [K, T] in units


def define_disruption(template: ScenarioTemplate, disruption: Disruption) -> DisruptedNumbers:
    """The base model's numbers under a disruption, with kept[l,t] the capacity share left:
    x[l,t] <= kept[l,t] (capacity[l,t] + sum_{e of l, active} added[e] z[e]) (as a bound where the
    line has no expansion, as its capacity row where it has);
    committed'[l,t] = min(committed[l,t], kept[l,t] capacity[l,t]) where kept < 1;
    stock rows: foreign'[i,t] = foreign[i,t] kept_foreign[i,t]; backlog rows: need'[c,t] =
    need[c,t] factor[i(c),g(c),t]; budget rows: B'[f,y].
    """
    pi = template.plan_input
    layout = template.planning_model.layout
    model = template.planning_model.model
    kept = disruption.capacity_kept
    col_lower, col_upper = template.col_lower.copy(), template.col_upper.copy()
    row_lower, row_upper = template.row_lower.copy(), template.row_upper.copy()
    coef_vals = template.coef_vals.copy()

    line, month = layout.delivery_line, layout.delivery_month
    committed = committed_after(pi, kept)[line, month]
    upper_capacity = kept[line, month] * template.capacity_total[line, month]
    upper = np.where(
        layout.delivery_by_capacity, upper_capacity, np.minimum(upper_capacity, committed)
    )
    x = model.columns["delivery"].index
    col_lower[x] = committed / template.delivery_scale
    col_upper[x] = upper / template.delivery_scale

    if template.expansion_entry.size:
        coef_vals[template.expansion_entry] *= kept[
            template.expansion_entry_line, template.expansion_entry_month
        ]
        rows = model.rows["capacity"].index
        row_line, row_month = layout.capacity_row_line, layout.capacity_row_month
        row_upper[rows] = (
            kept[row_line, row_month]
            * pi.capacity[row_line, row_month]
            / layout.item_scale[pi.line_item[row_line]]
        )

    stock_rows = model.rows["stock"].index
    rhs = (pi.foreign_supply * disruption.foreign_supply_kept).reshape(-1).copy()
    rhs[layout.stock_month == 0] += pi.initial_stock
    rhs /= layout.item_scale[layout.stock_item]
    row_lower[stock_rows] = rhs
    row_upper[stock_rows] = rhs

    groups = layout.service_groups
    need = pi.need * disruption.need_factor[pi.class_item, pi.class_grouping, :]
    group_need = np.zeros_like(groups.need)
    np.add.at(group_need, groups.group_of_class, need)
    backlog_rows = model.rows["backlog"].index
    group, served_month = layout.service_group, layout.service_month
    rhs = group_need[group, served_month] / layout.item_scale[groups.item[group]]
    row_lower[backlog_rows] = rhs
    row_upper[backlog_rows] = rhs

    budget_rows = model.rows["budget"].index
    row_upper[budget_rows] = disruption.budget.reshape(-1) / layout.money_unit
    return DisruptedNumbers(
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=row_lower,
        row_upper=row_upper,
        coef_vals=coef_vals,
        delivery_upper=upper,
        group_need=group_need,
    )


def planning_model_for(template: ScenarioTemplate, numbers: DisruptedNumbers) -> PlanningModel:
    """The base model with `numbers` in place of its own: same columns, rows and objectives."""
    base = template.planning_model.model
    keep = numbers.coef_vals != 0
    model = Model(
        col_lower=[numbers.col_lower],
        col_upper=[numbers.col_upper],
        col_integer=[np.zeros(base.n_cols, bool)],
        row_lower=[numbers.row_lower],
        row_upper=[numbers.row_upper],
        coef_rows=[template.coef_rows[keep]],
        coef_cols=[template.coef_cols[keep]],
        coef_vals=[numbers.coef_vals[keep]],
        n_cols=base.n_cols,
        n_rows=base.n_rows,
        columns=base.columns,
        rows=base.rows,
        objectives=base.objectives,
    )
    layout = replace(template.planning_model.layout, delivery_upper=numbers.delivery_upper)
    return PlanningModel(model=model, layout=layout, mode="lp")


def disrupted_model(template: ScenarioTemplate, disruption: Disruption) -> PlanningModel:
    """The base model under `disruption`, to re-optimise: same columns and rows as the base."""
    return planning_model_for(template, define_disruption(template, disruption))


@dataclass(frozen=True, eq=False)
class Contracts:
    """A plan's contracts in model columns: deliveries per delivery column and expansion levels."""

    deliveries: FloatArray  # per delivery column, in units
    expansion_level: FloatArray  # [E] 0..1

    @classmethod
    def from_solution(cls, template: ScenarioTemplate, solution: Solution) -> Contracts:
        """The deliveries and expansions of a solved model with the template's columns."""
        model = template.planning_model.model
        layout = template.planning_model.layout
        x = solution.col_value[model.columns["delivery"].index] * template.delivery_scale
        z = solution.col_value[model.columns["expansion"].index] / layout.expansion_unit
        return cls(deliveries=np.maximum(x, 0.0), expansion_level=np.clip(z, 0.0, 1.0))


def define_fixed_contracts(
    template: ScenarioTemplate,
    disruption: Disruption,
    numbers: DisruptedNumbers,
    contracts: Contracts,
) -> DisruptedNumbers:
    """Contracts held: x[l,t] = min(contracted x[l,t], kept[l,t] (capacity[l,t] + sum_{e of l,
    active} added[e] level[e])), z[e] = level[e]; no new contracts, so budgets do not bind (what
    is contracted is paid). Only stock and allocation adapt.
    """
    pi = template.plan_input
    model = template.planning_model.model
    layout = template.planning_model.layout
    chosen = np.zeros((pi.n_lines, pi.months))
    if pi.n_expansions:
        active = np.arange(pi.months)[None, :] >= pi.expansion_active[:, None]
        np.add.at(
            chosen,
            pi.expansion_line,
            active * (pi.expansion_capacity * contracts.expansion_level)[:, None],
        )
    line, month = layout.delivery_line, layout.delivery_month
    possible = disruption.capacity_kept[line, month] * (
        pi.capacity[line, month] + chosen[line, month]
    )
    # the disrupted bound also holds what arrives before the lead time: the commitment
    delivered = np.minimum(contracts.deliveries, np.minimum(possible, numbers.delivery_upper))
    col_lower, col_upper = numbers.col_lower.copy(), numbers.col_upper.copy()
    x = model.columns["delivery"].index
    col_lower[x] = delivered / template.delivery_scale
    col_upper[x] = col_lower[x]
    z = model.columns["expansion"].index
    col_lower[z] = contracts.expansion_level * layout.expansion_unit
    col_upper[z] = col_lower[z]
    row_upper = numbers.row_upper.copy()
    row_upper[model.rows["budget"].index] = np.inf
    return replace(
        numbers,
        col_lower=col_lower,
        col_upper=col_upper,
        row_upper=row_upper,
        delivery_upper=delivered,
    )


def fixed_contract_model(
    template: ScenarioTemplate, disruption: Disruption, contracts: Contracts
) -> PlanningModel:
    """The base model under `disruption` with `contracts` held (see `define_fixed_contracts`)."""
    numbers = define_disruption(template, disruption)
    return planning_model_for(
        template, define_fixed_contracts(template, disruption, numbers, contracts)
    )


# --- Evaluating a disruption -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one plan achieves under one disruption (NaN figures when it is not optimal)."""

    status: str
    weighted_unit_months_short: list[float]  # per priority tier, highest first
    unit_months_short: list[float]
    coverage: float  # share of the need quantity served within the horizon
    category_coverage: list[float]  # per category of the template
    cost: float  # deliveries and capital, currency units
    seconds: float
    iterations: int


def outcome_of(
    template: ScenarioTemplate,
    planning_model: PlanningModel,
    solution: Solution,
    group_need: FloatArray,
    *,
    seconds: float,
) -> Outcome:
    """Tier shortfalls, coverage overall and per category, and cost of a solved model."""
    pi = template.plan_input
    priorities = pi.priorities
    iterations = sum(stage.iterations for stage in solution.stages)
    if solution.status != SolveStatus.OPTIMAL:
        nan = float("nan")
        return Outcome(
            status=solution.status.value,
            weighted_unit_months_short=[nan] * len(priorities),
            unit_months_short=[nan] * len(priorities),
            coverage=nan,
            category_coverage=[nan] * len(template.categories),
            cost=nan,
            seconds=seconds,
            iterations=iterations,
        )
    model, layout = planning_model.model, planning_model.layout
    groups = layout.service_groups
    group = layout.service_group
    values = solution.col_value
    backlog = np.maximum(
        values[model.columns["backlog"].index] * layout.item_scale[groups.item[group]], 0.0
    )
    backlog = np.where(backlog < 1e-6, 0.0, backlog)
    tier = np.searchsorted(np.asarray(priorities), groups.priority[group])
    weighted = np.bincount(tier, weights=groups.weight[group] * backlog, minlength=len(priorities))
    units = np.bincount(tier, weights=backlog, minlength=len(priorities))
    at_end = layout.service_month == pi.months - 1
    short = np.bincount(group[at_end], weights=backlog[at_end], minlength=group_need.shape[0])
    need = group_need.sum(axis=1)
    known = template.group_category >= 0
    size = len(template.categories)
    category_need = np.bincount(template.group_category[known], need[known], minlength=size)
    category_short = np.bincount(template.group_category[known], short[known], minlength=size)
    category_coverage = np.where(
        category_need > 0, 1.0 - category_short / np.where(category_need > 0, category_need, 1), 1.0
    )
    total_need = float(need.sum())
    columns, costs = model.objectives["cost"]
    return Outcome(
        status=solution.status.value,
        weighted_unit_months_short=[float(v) for v in weighted],
        unit_months_short=[float(v) for v in units],
        coverage=1.0 - float(short.sum()) / total_need if total_need > 0 else 1.0,
        category_coverage=[float(v) for v in category_coverage],
        cost=float(costs @ values[columns]) * layout.money_unit,
        seconds=seconds,
        iterations=iterations,
    )


def reoptimise(
    template: ScenarioTemplate, disruption: Disruption, *, options: SolveOptions
) -> tuple[Outcome, Solution]:
    """Plan afresh under `disruption`: the outcome, and the solution (its contracts)."""
    began = time.perf_counter()
    numbers = define_disruption(template, disruption)
    planning_model = planning_model_for(template, numbers)
    solution = solve_lexicographic(planning_model, options)
    seconds = time.perf_counter() - began
    outcome = outcome_of(template, planning_model, solution, numbers.group_need, seconds=seconds)
    return outcome, solution


def hold_contracts(
    template: ScenarioTemplate,
    disruption: Disruption,
    contracts: Contracts,
    *,
    options: SolveOptions,
) -> Outcome:
    """The outcome of `contracts` held under `disruption` (only stock and allocation adapt)."""
    began = time.perf_counter()
    numbers = define_disruption(template, disruption)
    held = define_fixed_contracts(template, disruption, numbers, contracts)
    planning_model = planning_model_for(template, held)
    solution = solve_lexicographic(planning_model, options)
    seconds = time.perf_counter() - began
    return outcome_of(template, planning_model, solution, held.group_need, seconds=seconds)


def plan_scenario(
    template: ScenarioTemplate, disruption: Disruption, *, options: SolveOptions
) -> PlanResult:
    """The re-optimised plan under `disruption` as a full PlanResult (tables, no explanations)."""
    began = time.perf_counter()
    numbers = define_disruption(template, disruption)
    planning_model = planning_model_for(template, numbers)
    solution = solve_lexicographic(planning_model, options)
    report = PlanReport(
        stages=solution.stages,
        columns=planning_model.model.n_cols,
        rows=planning_model.model.n_rows,
        nonzeros=int(np.count_nonzero(numbers.coef_vals)),
    )
    for stage in solution.stages:
        report.seconds[stage.name] = stage.seconds
    disrupted = apply_disruption(template.plan_input, disruption)
    if solution.status != SolveStatus.OPTIMAL:
        return empty_result(disrupted, status=solution.status, mode="lp", report=report)
    result = read_result(disrupted, planning_model, solution, report)
    report.seconds["total"] = time.perf_counter() - began
    return result
