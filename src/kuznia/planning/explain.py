"""Why each need class is short, and what would change it: one headline, a few supporting reasons.

A reason is a constraint that binds in the final plan, among those that touch the class's item:
- `no_producer`: no line makes the item;
- `no_eligible_fund`: lines of the item that no fund may pay for;
- `capacity`: a line of the item that delivers at capacity in months up to the shortfall;
- `budget`: a fund that may pay for the item and spends all of a year's budget, up to the
  shortfall's year;
- `lead_time`: lines of the item whose lead time blocks capacity in months the class is short.

Each reason carries claims, and each claim says exactly what changes and what that does to every
tier (`effects`: the change in weighted unit-months short per tier, negative a cut, positive a
trade-off a lower tier pays):
- `capacity_month`: +1 unit on the line in the one named month (the month the duals rank first);
- `capacity_span`: +1 unit a month on the line in every named month (the months it is full, up
  to the class's last short month);
- `budget`: +1 million (currency) for the fund in the named year;
- `lead_time`: the named lines deliver from the first month.
A claim with `exact: true` is measured by re-solving the tiers with that change
(`whatif.effects`), so it is exact for that step, whatever the basis' range. The duals of the
lexicographic stages only rank the candidates (and choose the month); re-solves run only when
`SolveOptions.measure_explanations` asks for them (the CLI's `plan` and the plan-run worker do),
within `SolveOptions.explain_seconds`, the largest classes first, the headline candidates of
every class before the supporting ones. A candidate not measured in time is shown as an estimate
(`exact: false`, the dual's first-order value for the first unit in its month or the first
million, on the one tier it helps) or not at all (a span is never estimated). A claim that moves
no tier is dropped; a reason without a claim left is not a reason and is not shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kuznia.planning.inputs import PlanInput
from kuznia.planning.model import PlanningModel
from kuznia.planning.solve import Solution, SolveOptions
from kuznia.planning.whatif import MILLION, Change, effects, has_effect

_SHORT = 1e-6
_BINDING = 1e-7
_MAX_LISTED = 12
_SUPPORTING = 3  # reasons after the headline
_CANDIDATE_LINES = 2  # lines at capacity measured per class
_CANDIDATE_FUNDS = 2  # fund-years measured per class
_MIN_EXPLAIN_SECONDS = 5.0


@dataclass
class Binding:
    """Constraints binding in the final plan, with their marginal value in each tier's stage."""

    priorities: list[int]
    capacity_line: np.ndarray  # [N] line index
    capacity_month: np.ndarray  # [N]
    capacity_value: np.ndarray  # [N, tiers] weighted unit-months per extra unit
    budget_fund: np.ndarray  # [M] fund index
    budget_year: np.ndarray  # [M] year index
    budget_value: np.ndarray  # [M, tiers] weighted unit-months per extra million


def binding_constraints(
    plan_input: PlanInput, planning_model: PlanningModel, solution: Solution
) -> Binding:
    """Lines at capacity (line, month) and budgets spent (fund, year) in the final plan, each with
    what one more unit or million is worth in every tier's stage."""
    model, layout = planning_model.model, planning_model.layout
    priorities = [int(name.split(":")[1]) for name in solution.duals if name.startswith("tier:")]
    x_columns = model.columns["delivery"].index
    x_scale = layout.item_scale[plan_input.line_item[layout.delivery_line]]
    delivered = solution.col_value[x_columns] * x_scale
    at_capacity = layout.delivery_by_capacity & (
        delivered >= layout.delivery_upper * (1 - 1e-9) - 1e-6
    )
    at_capacity &= layout.delivery_upper > 0
    which = np.nonzero(at_capacity)[0]

    capacity_row_of = None
    if "capacity" in model.rows:
        capacity_row_of = np.full((plan_input.n_lines, plan_input.months), -1, dtype=np.int64)
        capacity_row_of[layout.capacity_row_line, layout.capacity_row_month] = model.rows[
            "capacity"
        ].index
        capacity_row_of = capacity_row_of[layout.delivery_line[which], layout.delivery_month[which]]

    budget_rows = model.rows["budget"].index
    budget = plan_input.budget[layout.budget_fund, layout.budget_year]
    spent = solution.row_value[budget_rows] * layout.money_unit
    per_million = 1e6 / layout.money_unit
    spent_all = (budget > 0) & (spent >= budget * (1 - 1e-7) - 1.0)

    capacity_value = np.zeros((which.size, len(priorities)))
    budget_value = np.zeros((int(spent_all.sum()), len(priorities)))
    for k, priority in enumerate(priorities):
        col_dual, row_dual = solution.duals[f"tier:{priority}"]
        worth = np.maximum(0.0, -col_dual[x_columns[which]]) / x_scale[which]
        if capacity_row_of is not None:
            has_row = capacity_row_of >= 0
            row_worth = (
                np.maximum(0.0, -row_dual[capacity_row_of[has_row]]) / x_scale[which][has_row]
            )
            worth[has_row] = np.maximum(worth[has_row], row_worth)
        capacity_value[:, k] = np.where(worth > _BINDING, worth, 0.0)
        money = np.maximum(0.0, -row_dual[budget_rows[spent_all]]) * per_million
        budget_value[:, k] = np.where(money > _BINDING, money, 0.0)
    return Binding(
        priorities=priorities,
        capacity_line=layout.delivery_line[which],
        capacity_month=layout.delivery_month[which],
        capacity_value=capacity_value,
        budget_fund=layout.budget_fund[spent_all],
        budget_year=layout.budget_year[spent_all],
        budget_value=budget_value,
    )


def _first_value(values: np.ndarray, priorities: list[int], own: int) -> tuple[float, int]:
    """The marginal value in the highest tier (at or above `own`) that it helps, and that tier."""
    for k, priority in enumerate(priorities):
        if priority > own:
            break
        if values[k] > 0:
            return float(values[k]), priority
    return 0.0, own


def _first_values(
    values: np.ndarray, priorities: list[int], own: int
) -> tuple[np.ndarray, np.ndarray]:
    """`_first_value` of every row of `values` [N, tiers] at once: (values [N], tiers [N])."""
    cutoff = next((k for k, p in enumerate(priorities) if p > own), len(priorities))
    value, tier = np.zeros(values.shape[0]), np.full(values.shape[0], own)
    if cutoff == 0 or values.shape[0] == 0:
        return value, tier
    helps = values[:, :cutoff] > 0
    first = helps.argmax(axis=1)
    found = helps.any(axis=1)
    value[found] = values[np.nonzero(found)[0], first[found]]
    tier[found] = np.asarray(priorities)[first[found]]
    return value, tier


@dataclass
class _Candidate:
    """A claim to measure: the change, where it goes in the reasons, the dual's estimate."""

    key: tuple[Any, ...]
    change: Change
    kind: str  # capacity_month | capacity_span | budget | lead_time
    estimate: float  # first-order cut on `tier` (0: none known)
    tier: int


def explain_shortfalls(
    plan_input: PlanInput,
    planning_model: PlanningModel,
    solution: Solution,
    allocations: pd.DataFrame,
    *,
    options: SolveOptions | None = None,
) -> list[dict[str, Any]]:
    """One explanation per need class left short, largest weighted shortfall first: its reasons,
    the headline first, each with claims measured by re-solve (module docstring)."""
    if allocations.empty:
        return []
    options = options or SolveOptions(explain_seconds=0)
    pi = plan_input
    binding = binding_constraints(pi, planning_model, solution)
    cls = allocations["class"].to_numpy()
    month = allocations["month"].to_numpy()
    backlog = allocations["backlog"].to_numpy()
    unit_months = np.bincount(cls, weights=backlog, minlength=pi.n_classes)
    weighted = unit_months * pi.class_weight
    is_short = backlog > _SHORT
    first_short = np.full(pi.n_classes, pi.months)
    last_short = np.full(pi.n_classes, -1)
    np.minimum.at(first_short, cls[is_short], month[is_short])
    np.maximum.at(last_short, cls[is_short], month[is_short])
    at_end = np.zeros(pi.n_classes)
    last = month == pi.months - 1
    at_end[cls[last]] = backlog[last]
    short_classes = np.nonzero(unit_months > _SHORT)[0]
    short_classes = short_classes[np.argsort(-weighted[short_classes], kind="stable")]

    # lines at capacity, grouped once by item
    capacity_item = pi.line_item[binding.capacity_line]
    order = np.argsort(capacity_item, kind="stable")
    bounds = np.searchsorted(capacity_item[order], np.arange(pi.n_items + 1))
    capacity_of_item = [order[bounds[i] : bounds[i + 1]] for i in range(pi.n_items)]
    lines_of_item = [np.nonzero(pi.line_item == i)[0] for i in range(pi.n_items)]
    payable = np.asarray(pi.fund_pays_line.any(axis=0), dtype=bool)
    funds_of_item = np.zeros((pi.n_items, pi.n_funds), bool)
    for i, lines in enumerate(lines_of_item):
        if lines.size and pi.n_funds:
            funds_of_item[i] = pi.fund_pays_line[:, lines].any(axis=1)
    month_index = np.arange(pi.months)
    has_duals = bool(binding.priorities)

    # each line-month at capacity: its value in the highest tier it helps, per class priority
    capacity_first = {
        int(p): _first_values(binding.capacity_value, binding.priorities, int(p))
        for p in np.unique(pi.class_priority[short_classes])
    }
    candidates: dict[int, list[_Candidate]] = {}
    structural: dict[int, list[dict[str, Any]]] = {}
    lead_lines: dict[int, tuple[list[dict[str, Any]], list[int]]] = {}
    for c in short_classes:
        item, priority = int(pi.class_item[c]), int(pi.class_priority[c])
        lines = lines_of_item[item]
        fixed: list[dict[str, Any]] = []
        if lines.size == 0:
            fixed.append({"code": "no_producer", "detail": f'no line makes "{pi.item_ids[item]}"'})
        unpaid = lines[~payable[lines] & (pi.capacity[lines].sum(axis=1) > 0)]
        if unpaid.size:
            fixed.append(
                {
                    "code": "no_eligible_fund",
                    "lines": [pi.line_ids[k] for k in unpaid[:_MAX_LISTED]],
                    "detail": f"{unpaid.size} line(s) with capacity that no fund may pay for",
                }
            )
        structural[int(c)] = fixed
        mine: list[_Candidate] = []
        spans = _capacity_candidates(
            binding, capacity_of_item[item], capacity_first[priority], int(last_short[c]), has_duals
        )
        budgets = _budget_candidates(
            pi, binding, funds_of_item[item], priority, int(last_short[c]), has_duals
        )
        lead = _lead_time_candidate(pi, lines, payable, month_index, int(last_short[c]))
        if lead is not None:
            lead_lines[int(c)] = (lead[1], lead[2])
        # the order measured: the headline candidates of each kind first
        for group in (
            [spans[:2], budgets[:1], [lead[0]] if lead else []],
            [spans[2:], budgets[1:]],
        ):
            for part in group:
                mine.extend(part)
        candidates[int(c)] = mine

    measured = _measure(pi, solution, candidates, short_classes, options)

    explanations = []
    for c in short_classes:
        item, priority = int(pi.class_item[c]), int(pi.class_priority[c])
        reasons = structural[int(c)] + _reasons(
            pi, candidates[int(c)], measured, lead_lines.get(int(c))
        )
        reasons = reasons[: 1 + _SUPPORTING]
        if reasons:
            reasons[0] = {**reasons[0], "headline": True}
        explanations.append(
            {
                "item": pi.item_ids[item],
                "category": pi.item_category[item],
                "grouping": pi.grouping_ids[int(pi.class_grouping[c])],
                "priority": priority,
                "operation": pi.class_operation[c],
                "need": float(pi.need[c].sum()),
                "short_at_end": float(at_end[c]),
                "unit_months_short": float(unit_months[c]),
                "weighted_unit_months_short": float(weighted[c]),
                "first_short_month": int(first_short[c]),
                "last_short_month": int(last_short[c]),
                "reasons": reasons,
            }
        )
    return explanations


def _measure(
    pi: PlanInput,
    solution: Solution,
    candidates: dict[int, list[_Candidate]],
    order: np.ndarray,
    options: SolveOptions,
) -> dict[tuple[Any, ...], list[dict[str, float]]]:
    """Re-solve each candidate's change (shared across classes) within the time allowed: round
    after round, the largest classes first."""
    base = {
        int(stage.name.split(":")[1]): float(stage.objective)
        for stage in solution.stages
        if stage.name.startswith("tier:")
    }
    tier_stages = [s for s in solution.stages if s.name.startswith("tier:")]
    if any(s.status.value != "optimal" for s in tier_stages) or not tier_stages:
        return {}
    allowed = options.explain_seconds if options.measure_explanations else 0.0
    if allowed is None:
        allowed = max(_MIN_EXPLAIN_SECONDS, sum(s.seconds for s in solution.stages))
    measured: dict[tuple[Any, ...], list[dict[str, float]]] = {}
    if allowed <= 0:
        return measured
    started = time.perf_counter()
    rounds = max((len(v) for v in candidates.values()), default=0)
    for r in range(rounds):
        for c in order:
            mine = candidates[int(c)]
            if r >= len(mine) or mine[r].key in measured:
                continue
            remaining = allowed - (time.perf_counter() - started)
            if remaining <= 0:
                return measured
            result = effects(
                pi,
                mine[r].change,
                base,
                options,
                time_limit=remaining,
                start_bases=solution.bases if mine[r].change.kind != "lead_time" else None,
            )
            if result is None:
                return measured
            measured[mine[r].key] = result
    return measured


def _capacity_candidates(
    binding: Binding,
    entries: np.ndarray,
    first: tuple[np.ndarray, np.ndarray],
    last_month: int,
    has_duals: bool,
) -> list[_Candidate]:
    """The item's lines at capacity up to the shortfall, most valuable first (by the duals): for
    each, +1 in its best month and +1 a month over its full months. `first`: `_first_values` of
    every binding line-month for the class's priority."""
    entries = entries[binding.capacity_month[entries] <= last_month]
    if entries.size == 0:
        return []
    value, tier = first[0][entries], first[1][entries]
    line = binding.capacity_line[entries]
    # each line's best month: the highest tier it helps, then the largest value, then the first
    order = np.lexsort((-value, tier, line))
    starts = np.flatnonzero(np.r_[True, line[order][1:] != line[order][:-1]])
    best = order[starts]
    lines = line[best]
    group = np.searchsorted(lines, line)
    # what the line's months are worth together, in the best month's tier
    in_tier = np.where(tier == tier[best][group], value, 0.0)
    total = np.bincount(group, weights=in_tier, minlength=lines.size)
    count = np.bincount(group, minlength=lines.size)
    shown = np.nonzero(value[best] > 0)[0] if has_duals else np.arange(lines.size)
    # ranked: highest tier helped, largest value, most months, line
    shown = shown[np.lexsort((lines[shown], -count[shown], -value[best][shown], tier[best][shown]))]
    result: list[_Candidate] = []
    for k in shown[:_CANDIDATE_LINES]:
        helped, at = int(tier[best[k]]), int(lines[k])
        best_month = int(binding.capacity_month[entries[best[k]]])
        months = tuple(sorted(int(m) for m in binding.capacity_month[entries[group == k]]))
        month_change = Change(kind="capacity", line=at, months=(best_month,), step=1.0)
        pair = [
            _Candidate(
                ("capacity", at, (best_month,)),
                month_change,
                "capacity_month",
                float(value[best[k]]),
                helped,
            )
        ]
        if len(months) > 1:
            span_change = Change(kind="capacity", line=at, months=months, step=1.0)
            pair.insert(
                0,
                _Candidate(
                    ("capacity", at, months), span_change, "capacity_span", float(total[k]), helped
                ),
            )
        result.extend(pair)
    return result


def _budget_candidates(
    pi: PlanInput,
    binding: Binding,
    funds: np.ndarray,
    priority: int,
    last_month: int,
    has_duals: bool,
) -> list[_Candidate]:
    """Funds that may pay for the item and spent all of a year's budget up to the shortfall:
    +1 million each, most valuable first (by the duals)."""
    last_year = int(pi.year_of_month[last_month])
    chosen = np.nonzero(funds[binding.budget_fund] & (binding.budget_year <= last_year))[0]
    ranked = []
    for e in chosen:
        value, tier = _first_value(binding.budget_value[e], binding.priorities, priority)
        if has_duals and value <= 0:
            continue
        ranked.append(
            (tier, -value, int(binding.budget_fund[e]), int(binding.budget_year[e]), value)
        )
    ranked.sort()
    return [
        _Candidate(
            ("budget", fund, year),
            Change(kind="budget", fund=fund, year=year, amount=MILLION),
            "budget",
            value,
            tier,
        )
        for tier, _v, fund, year, value in ranked[:_CANDIDATE_FUNDS]
    ]


def _lead_time_candidate(
    pi: PlanInput,
    lines: np.ndarray,
    payable: np.ndarray,
    month_index: np.ndarray,
    last_month: int,
) -> tuple[_Candidate, list[dict[str, Any]], list[int]] | None:
    """Lines of the item whose lead time blocks capacity in a month up to the class's last short
    month (output then could have been stored for the shortfall). Whether that cuts the shortfall
    is for the re-solve to say: a lead time is named only when it does."""
    waiting = lines[(pi.lead_time[lines] > 0) & payable[lines]]
    if waiting.size == 0:
        return None
    blocked = (
        (month_index[None, :] < pi.lead_time[waiting, None])
        & (pi.capacity[waiting] > 0)
        & (month_index[None, :] <= last_month)
    )
    if not blocked.any():
        return None
    who, when = np.nonzero(blocked)
    listed = np.unique(waiting[who])
    described = [
        {
            "line": pi.line_ids[k],
            "lead_time": int(pi.lead_time[k]),
            "first_month": int(pi.lead_time[k]),
        }
        for k in listed[:_MAX_LISTED]
    ]
    change = Change(kind="lead_time", lead_time_lines=tuple(int(k) for k in listed))
    candidate = _Candidate(
        ("lead_time", tuple(int(k) for k in listed)), change, "lead_time", 0.0, 0
    )
    return candidate, described, sorted({int(t) for t in when})


def _reasons(
    pi: PlanInput,
    candidates: list[_Candidate],
    measured: dict[tuple[Any, ...], list[dict[str, float]]],
    lead: tuple[list[dict[str, Any]], list[int]] | None,
) -> list[dict[str, Any]]:
    """The class's reasons with their claims (no claim, no reason), ranked by effect."""
    by_reason: dict[tuple[Any, ...], dict[str, Any]] = {}
    for candidate in candidates:
        effect = measured.get(candidate.key)
        if effect is not None:
            if not has_effect(effect):
                continue
            claim_effects, exact = effect, True
        elif candidate.kind in ("capacity_month", "budget") and candidate.estimate > 0:
            claim_effects = [{"priority": candidate.tier, "change": -round(candidate.estimate, 6)}]
            exact = False
        else:
            continue
        change = candidate.change
        claim: dict[str, Any] = {"kind": candidate.kind, "effects": claim_effects, "exact": exact}
        if change.kind == "capacity":
            claim.update(months=list(change.months), step=change.step)
            key: tuple[Any, ...] = ("capacity", change.line)
            reason = by_reason.setdefault(
                key,
                {
                    "code": "capacity",
                    "line": pi.line_ids[change.line],
                    "months": list(change.months),
                    "claims": [],
                },
            )
        elif change.kind == "budget":
            claim.update(year=int(pi.years[change.year]), amount=change.amount)
            key = ("budget", change.fund, change.year)
            reason = by_reason.setdefault(
                key,
                {
                    "code": "budget",
                    "fund": pi.fund_ids[change.fund],
                    "year": int(pi.years[change.year]),
                    "claims": [],
                },
            )
        else:
            lines, months = lead or ([], [])
            key = ("lead_time",)
            reason = by_reason.setdefault(
                key, {"code": "lead_time", "lines": lines, "months": months, "claims": []}
            )
        reason["claims"].append(claim)
    ranked = sorted(by_reason.values(), key=_rank)
    return ranked


def _rank(reason: dict[str, Any]) -> tuple[int, int, float]:
    """Measured before estimated; then the highest tier cut, then the largest cut."""
    best = (1, 10**9, 0.0)
    for claim in reason["claims"]:
        for e in claim["effects"]:
            if e["change"] < 0:
                key = (0 if claim["exact"] else 1, int(e["priority"]), float(e["change"]))
                best = min(best, key)
                break
    return best
