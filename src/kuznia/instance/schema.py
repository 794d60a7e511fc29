"""The `kuznia-instance/1` document as typed, immutable objects (see shared/INSTANCE.md).

Structural rules live here (types, signs, unknown fields refused); rules that relate one
record to another (unknown references, duplicate ids, list lengths, months in the horizon)
live in `kuznia.instance.validate`, so every problem in a file is reported at once.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from kuznia.instance.months import START_PATTERN as START_PATTERN  # the format's, read here
from kuznia.instance.months import month_number, year_of
from kuznia.text import Name

FORMAT: Final = "kuznia-instance/1"
# `start`: a calendar month written YYYY-MM.

Ownership = Literal["state", "private", "joint_venture"]
Operation = Literal["defensive", "offensive", "stabilization"]
FundKind = Literal["state", "partner", "eu", "jv"]

Number = int | float
NonNegative = Annotated[Number, Field(ge=0, allow_inf_nan=False)]
NonNegativeInt = Annotated[int, Field(ge=0)]
# A number, or one number per month of the horizon (the length is checked in validate).
PerMonth = NonNegative | list[NonNegative]


class Record(BaseModel):
    """Base of every record: immutable, unknown fields refused, exact numbers kept."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Item(Record):
    id: str = Field(min_length=1)
    name: Name
    category: Annotated[Name, Field(min_length=1)]
    unit: Name = "pcs"


class JointVenturePartner(Record):
    country: Annotated[Name, Field(min_length=1)]
    # A number, not a float, so a share written as 1 is written back as 1.
    share: Annotated[Number, Field(gt=0, le=1, allow_inf_nan=False)]


class Producer(Record):
    id: str = Field(min_length=1)
    name: Name
    ownership: Ownership
    region: Annotated[Name, Field(min_length=1)]
    partners: list[JointVenturePartner] = Field(default_factory=list)
    # optional: people employed (the economy report counts jobs only where it is given)
    employees: NonNegativeInt | None = None


class Line(Record):
    id: str = Field(min_length=1)
    producer: str
    item: str
    capacity: PerMonth
    price: PerMonth
    lead_time: NonNegativeInt = 0
    min_rate: NonNegative = 0


class Expansion(Record):
    id: str = Field(min_length=1)
    line: str
    start: NonNegativeInt = 0
    delay: NonNegativeInt = 0
    added_capacity: NonNegative
    capex: NonNegative


class Grouping(Record):
    id: str = Field(min_length=1)
    name: Name = ""


class Need(Record):
    item: str
    grouping: str
    month: NonNegativeInt
    quantity: NonNegative
    operation: Operation
    priority: Annotated[int, Field(ge=1)] = 1


class Eligibility(Record):
    """A fund may pay for a line only when every non-empty list matches it."""

    categories: list[Name] = Field(default_factory=list)
    ownership: list[Ownership] = Field(default_factory=list)
    producers: list[str] = Field(default_factory=list)
    regions: list[Name] = Field(default_factory=list)


class Fund(Record):
    id: str = Field(min_length=1)
    name: Name = ""
    kind: FundKind = "state"
    budget: dict[str, NonNegative] = Field(default_factory=dict)
    eligible: Eligibility = Field(default_factory=Eligibility)
    expansions: bool = True


class ForeignSupply(Record):
    item: str
    month: NonNegativeInt
    quantity: NonNegative


class Stock(Record):
    item: str
    quantity: NonNegative


class Commitment(Record):
    """A signed contract: in one `month` (x[l,t] >= quantity), or over a window of months `from`
    .. `to`, inclusive (sum of x over the window >= quantity). Exactly one of the two forms is
    given (checked in `kuznia.instance.validate`)."""

    # `from` is a Python keyword: the field is `from_`, written and read as "from"
    model_config = ConfigDict(serialize_by_alias=True)

    line: str
    month: NonNegativeInt | None = None
    from_: NonNegativeInt | None = Field(default=None, alias="from")
    to: NonNegativeInt | None = None
    quantity: NonNegative

    @property
    def is_window(self) -> bool:
        """True for a commitment over a window of months (`from`..`to`)."""
        return self.month is None


class ExportOrder(Record):
    """A foreign buyer's offer: up to `quantity` of `item` in `month` at `price` per unit."""

    id: str = Field(min_length=1)
    item: str
    month: NonNegativeInt
    quantity: NonNegative
    price: NonNegative
    buyer: str = Field(min_length=1)


class OperationWeights(Record):
    defensive: NonNegative = 3
    offensive: NonNegative = 2
    stabilization: NonNegative = 1


class Instance(Record):
    """Everything one solve needs: the planning core's contract with the rest of the world."""

    format: Literal["kuznia-instance/1"] = FORMAT
    name: Name = "unnamed"
    start: str = Field(pattern=START_PATTERN)
    months: Annotated[int, Field(ge=1, le=600)]
    currency: Name = "USD"
    operation_weights: OperationWeights = Field(default_factory=OperationWeights)
    items: list[Item] = Field(default_factory=list)
    producers: list[Producer] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    expansions: list[Expansion] = Field(default_factory=list)
    groupings: list[Grouping] = Field(default_factory=list)
    needs: list[Need] = Field(default_factory=list)
    funds: list[Fund] = Field(default_factory=list)
    foreign_supply: list[ForeignSupply] = Field(default_factory=list)
    stock: list[Stock] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    export_orders: list[ExportOrder] = Field(default_factory=list)

    @property
    def start_year(self) -> int:
        return year_of(self.start)

    @property
    def start_month(self) -> int:
        """Calendar month of month 0, 1..12."""
        return month_number(self.start)

    def year_of_month(self, month: int) -> int:
        """Calendar year of horizon month `month` (0-based)."""
        return self.start_year + (self.start_month - 1 + month) // 12
