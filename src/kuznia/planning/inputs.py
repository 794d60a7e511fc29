"""PlanInput: an instance turned into arrays, the only thing the model reads.

Everything is indexed by position: lines 0..L-1, items 0..I-1, need classes 0..C-1, months
0..T-1, funds 0..F-1, years 0..Y-1, expansions 0..E-1. Ids are kept beside the arrays so that
results can be named again. Quantities stay in units and money in currency units here; the
model chooses its own scaling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kuznia.instance.schema import Instance
from kuznia.instance.vocabulary import OPERATIONS as OPERATIONS  # the order of `operation`

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class PlanInput:
    """Arrays for one solve. Built once by `from_instance`; never mutated."""

    name: str
    currency: str
    start: str
    months: int
    years: list[int]  # calendar years of the horizon, ascending
    year_of_month: IntArray  # [T] index into `years`

    item_ids: list[str]
    item_names: list[str]
    item_category: list[str]  # [I]
    item_unit: list[str]

    producer_ids: list[str]
    producer_ownership: list[str]
    producer_region: list[str]

    line_ids: list[str]
    line_item: IntArray  # [L]
    line_producer: IntArray  # [L]
    capacity: FloatArray  # [L, T] units per month
    price: FloatArray  # [L, T] currency per unit
    lead_time: IntArray  # [L]
    min_rate: FloatArray  # [L]
    committed: FloatArray  # [L, T] units that must arrive (signed contracts)

    expansion_ids: list[str]
    expansion_line: IntArray  # [E]
    expansion_start: IntArray  # [E] month its capex is decided and paid
    expansion_active: IntArray  # [E] first month its capacity counts (start + delay)
    expansion_capacity: FloatArray  # [E]
    expansion_capex: FloatArray  # [E]

    grouping_ids: list[str]
    class_item: IntArray  # [C] need class = (item, grouping, priority, operation)
    class_grouping: IntArray  # [C]
    class_priority: IntArray  # [C]
    class_operation: list[str]  # [C]
    class_weight: FloatArray  # [C] operation weight
    need: FloatArray  # [C, T]

    foreign_supply: FloatArray  # [I, T]
    initial_stock: FloatArray  # [I]

    fund_ids: list[str]
    fund_kind: list[str]
    budget: FloatArray  # [F, Y] currency per calendar year
    fund_pays_line: BoolArray  # [F, L] eligibility
    fund_pays_expansion: BoolArray  # [F, E]

    # window commitments: sum_{from <= t <= to} x[l,t] >= quantity (INSTANCE.md, "Commitments")
    window_commitment: IntArray = field(default_factory=lambda: _ints())  # [W] its commitments[k]
    window_line: IntArray = field(default_factory=lambda: _ints())  # [W]
    window_from: IntArray = field(default_factory=lambda: _ints())  # [W] first month
    window_to: IntArray = field(default_factory=lambda: _ints())  # [W] last month, inclusive
    window_quantity: FloatArray = field(default_factory=lambda: np.zeros(0))  # [W] units

    # export orders (INSTANCE.md, "Optional additions")
    order_ids: list[str] = field(default_factory=list)
    order_item: IntArray = field(default_factory=lambda: _ints())  # [O]
    order_month: IntArray = field(default_factory=lambda: _ints())  # [O]
    order_quantity: FloatArray = field(default_factory=lambda: np.zeros(0))  # [O] units
    order_price: FloatArray = field(default_factory=lambda: np.zeros(0))  # [O] per unit
    order_buyer: list[str] = field(default_factory=list)

    # [E, T] share of each expansion's added capacity that counts in each month: a strike on
    # its line in some months only (kuznia.resilience.disruption.apply_disruption); None: all.
    # The instance format has no such field: an instance's expansions always count whole.
    expansion_kept: FloatArray | None = None

    # people employed per producer, -1 where not given
    producer_employees: IntArray = field(default_factory=lambda: _ints())  # [P]
    # joint-venture partners per producer: (country, share)
    producer_partners: list[list[tuple[str, float]]] = field(default_factory=list)

    @property
    def has_employees(self) -> bool:
        """True when any producer states its employees (jobs are reported only then)."""
        return bool((self.producer_employees >= 0).any())

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)

    @property
    def priorities(self) -> list[int]:
        """Priority tiers present in the needs, highest (1) first."""
        return sorted({int(p) for p in self.class_priority})

    @property
    def n_lines(self) -> int:
        return len(self.line_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_classes(self) -> int:
        return int(self.class_item.shape[0])

    @property
    def n_funds(self) -> int:
        return len(self.fund_ids)

    @property
    def n_expansions(self) -> int:
        return len(self.expansion_ids)

    def expansion_added(self) -> FloatArray:
        """[E, T] capacity each expansion adds in each month when fully chosen: its added
        capacity from its active month on, times `expansion_kept` where given."""
        active = np.arange(self.months)[None, :] >= self.expansion_active[:, None]
        added = active * self.expansion_capacity[:, None]
        return added if self.expansion_kept is None else added * self.expansion_kept

    @classmethod
    def from_instance(cls, instance: Instance) -> PlanInput:
        """Turn a validated instance into arrays (validation is `kuznia.instance`'s job)."""
        months = instance.months
        calendar_years = [instance.year_of_month(t) for t in range(months)]
        years = sorted(set(calendar_years))
        year_of_month = np.array([years.index(y) for y in calendar_years], dtype=np.int64)

        items = instance.items
        item_index = {item.id: k for k, item in enumerate(items)}
        producers = instance.producers
        producer_index = {p.id: k for k, p in enumerate(producers)}
        lines = instance.lines
        line_index = {line.id: k for k, line in enumerate(lines)}

        def per_month(value: float | list[float] | list[int] | int) -> list[float]:
            if isinstance(value, list):
                return [float(v) for v in value]
            return [float(value)] * months

        n_lines = len(lines)
        capacity = np.array([per_month(line.capacity) for line in lines], dtype=np.float64)
        price = np.array([per_month(line.price) for line in lines], dtype=np.float64)
        capacity = capacity.reshape(n_lines, months)
        price = price.reshape(n_lines, months)
        line_item = np.array([item_index[line.item] for line in lines], dtype=np.int64)
        line_producer = np.array([producer_index[line.producer] for line in lines], dtype=np.int64)
        lead_time = np.array([line.lead_time for line in lines], dtype=np.int64)
        min_rate = np.array([float(line.min_rate) for line in lines], dtype=np.float64)

        committed = np.zeros((n_lines, months))
        in_month = [c for c in instance.commitments if c.month is not None]
        if in_month:
            rows = np.array([line_index[c.line] for c in in_month])
            cols = np.array([c.month for c in in_month])
            np.add.at(committed, (rows, cols), [float(c.quantity) for c in in_month])
        windows = [(k, c) for k, c in enumerate(instance.commitments) if c.month is None]
        orders = instance.export_orders

        expansions = instance.expansions
        expansion_line = np.array([line_index[e.line] for e in expansions], dtype=np.int64)
        expansion_start = np.array([e.start for e in expansions], dtype=np.int64)
        expansion_active = np.array([e.start + e.delay for e in expansions], dtype=np.int64)

        groupings = instance.groupings
        grouping_index = {g.id: k for k, g in enumerate(groupings)}
        weights = instance.operation_weights.model_dump()
        class_keys: dict[tuple[int, int, int, str], int] = {}
        need_rows: list[int] = []
        for record in instance.needs:
            key = (
                item_index[record.item],
                grouping_index[record.grouping],
                record.priority,
                record.operation,
            )
            need_rows.append(class_keys.setdefault(key, len(class_keys)))
        keys = list(class_keys)
        need = np.zeros((len(keys), months))
        if instance.needs:
            np.add.at(
                need,
                (np.array(need_rows), np.array([n.month for n in instance.needs])),
                [float(n.quantity) for n in instance.needs],
            )

        foreign_supply = np.zeros((len(items), months))
        for supply in instance.foreign_supply:
            foreign_supply[item_index[supply.item], supply.month] += float(supply.quantity)
        initial_stock = np.zeros(len(items))
        for stock in instance.stock:
            initial_stock[item_index[stock.item]] += float(stock.quantity)

        funds = instance.funds
        budget = np.array(
            [[float(f.budget.get(str(y), 0.0)) for y in years] for f in funds], dtype=np.float64
        ).reshape(len(funds), len(years))
        category = np.array([item.category for item in items], dtype=object)
        line_category = category[line_item] if n_lines else np.array([], dtype=object)
        ownership = np.array([p.ownership for p in producers], dtype=object)
        region = np.array([p.region for p in producers], dtype=object)
        producer_id = np.array([p.id for p in producers], dtype=object)
        fund_pays_line = np.ones((len(funds), n_lines), dtype=bool)
        for k, fund in enumerate(funds):
            rule = fund.eligible
            for allowed, values in (
                (rule.categories, line_category),
                (rule.ownership, ownership[line_producer] if n_lines else line_category),
                (rule.producers, producer_id[line_producer] if n_lines else line_category),
                (rule.regions, region[line_producer] if n_lines else line_category),
            ):
                if allowed:
                    fund_pays_line[k] &= np.isin(values, list(allowed))
        pays_capex = np.array([f.expansions for f in funds], dtype=bool)
        fund_pays_expansion = fund_pays_line[:, expansion_line] & pays_capex[:, None]

        return cls(
            name=instance.name,
            currency=instance.currency,
            start=instance.start,
            months=months,
            years=years,
            year_of_month=year_of_month,
            item_ids=[i.id for i in items],
            item_names=[i.name for i in items],
            item_category=[i.category for i in items],
            item_unit=[i.unit for i in items],
            producer_ids=[p.id for p in producers],
            producer_ownership=[p.ownership for p in producers],
            producer_region=[p.region for p in producers],
            line_ids=[line.id for line in lines],
            line_item=line_item,
            line_producer=line_producer,
            capacity=capacity,
            price=price,
            lead_time=lead_time,
            min_rate=min_rate,
            committed=committed,
            expansion_ids=[e.id for e in expansions],
            expansion_line=expansion_line,
            expansion_start=expansion_start,
            expansion_active=expansion_active,
            expansion_capacity=np.array([float(e.added_capacity) for e in expansions]),
            expansion_capex=np.array([float(e.capex) for e in expansions]),
            grouping_ids=[g.id for g in groupings],
            class_item=np.array([k[0] for k in keys], dtype=np.int64),
            class_grouping=np.array([k[1] for k in keys], dtype=np.int64),
            class_priority=np.array([k[2] for k in keys], dtype=np.int64),
            class_operation=[k[3] for k in keys],
            class_weight=np.array([float(weights[k[3]]) for k in keys], dtype=np.float64),
            need=need,
            foreign_supply=foreign_supply,
            initial_stock=initial_stock,
            fund_ids=[f.id for f in funds],
            fund_kind=[f.kind for f in funds],
            budget=budget,
            fund_pays_line=fund_pays_line,
            fund_pays_expansion=fund_pays_expansion,
            window_commitment=np.array([k for k, _ in windows], dtype=np.int64),
            window_line=np.array([line_index[c.line] for _, c in windows], dtype=np.int64),
            window_from=np.array([c.from_ for _, c in windows], dtype=np.int64),
            window_to=np.array([c.to for _, c in windows], dtype=np.int64),
            window_quantity=np.array([float(c.quantity) for _, c in windows], dtype=np.float64),
            order_ids=[o.id for o in orders],
            order_item=np.array([item_index[o.item] for o in orders], dtype=np.int64),
            order_month=np.array([o.month for o in orders], dtype=np.int64),
            order_quantity=np.array([float(o.quantity) for o in orders], dtype=np.float64),
            order_price=np.array([float(o.price) for o in orders], dtype=np.float64),
            order_buyer=[o.buyer for o in orders],
            producer_employees=np.array(
                [-1 if p.employees is None else p.employees for p in producers], dtype=np.int64
            ),
            producer_partners=[
                [(q.country, float(q.share)) for q in p.partners] for p in producers
            ],
        )


def _ints() -> IntArray:
    return np.zeros(0, dtype=np.int64)
