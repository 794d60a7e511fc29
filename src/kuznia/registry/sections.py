"""The registry's sections as the API serves them: for each, its table, the instance record
that defines its fields and rules, the records it names by code, its list filters, and which
rows a role with `own` access reaches.

A section's API record is its `kuznia-instance/1` record with `id` called `code` (the API's
`id` is the database key): one set of fields and rules for files, workbooks and the API.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import ColumnElement, false, select

from kuznia import models
from kuznia.auth.permissions import Scope
from kuznia.instance import schema
from kuznia.pagination import MAX_DB_INT

# A list filter: the query parameter's type, and the condition it puts on the section's table.
Condition = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Filter:
    # str, or the values allowed (a Literal, a bounded int): a value the table cannot hold is
    # refused with 422 rather than sent to the database.
    type: Any
    condition: Condition
    description: str


_Month = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
_Tier = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
# A country code as the registry keeps it (ISO 3166 alpha-2, upper case).
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", min_length=2, max_length=2)]


@dataclass(frozen=True, eq=False)
class Section:
    """One kind of registry record."""

    name: str  # the instance section, e.g. "foreign_supply"; also the permissions' resource
    noun: str  # one record, in messages: "foreign supply"
    title: str  # the schema names' stem: "ForeignSupply"
    model: type[Any]
    record: type[schema.Record]
    # field -> the table whose code it holds (the field and the ORM relationship share a name)
    references: Mapping[str, type[Any]] = field(default_factory=dict)
    filters: Mapping[str, Filter] = field(default_factory=dict)
    # The rows a role with `own` access reaches; None: no role has `own` access here.
    own: Callable[[Scope], ColumnElement[bool]] | None = None
    # Columns the API serves beside the record's fields, not part of the instance format:
    # name -> (type, default, description); written by the API only, never by a file.
    api_fields: Mapping[str, tuple[Any, Any, str]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return "/" + self.name.replace("_", "-")

    @property
    def has_code(self) -> bool:
        return "id" in self.record.model_fields

    @property
    def nested(self) -> dict[str, type[schema.Record]]:
        """The fields holding one nested record (a fund's `eligible`), whose own left-out
        fields are remembered too."""
        return {
            name: info.annotation
            for name, info in self.record.model_fields.items()
            if isinstance(info.annotation, type) and issubclass(info.annotation, schema.Record)
        }


def _by_code(model: type[Any]) -> Filter:
    return Filter(str, lambda value: model.code == value, "Exactly this code.")


def _reference(relationship: Any, target: type[Any], noun: str) -> Filter:
    return Filter(
        str,
        lambda value: relationship.has(target.code == value),
        f"Only those of this {noun} (code).",
    )


def _of_producer(scope: Scope) -> ColumnElement[bool]:
    if scope.producer_id is None:
        return false()
    return models.Line.producer_id == scope.producer_id


def _line_category(value: str) -> ColumnElement[bool]:
    return models.Line.item.has(models.Item.category == value)


ITEMS = Section(
    name="items",
    noun="item",
    title="Item",
    model=models.Item,
    record=schema.Item,
    filters={
        "code": _by_code(models.Item),
        "category": Filter(
            str, lambda value: models.Item.category == value, "Items of this category."
        ),
    },
)

PRODUCERS = Section(
    name="producers",
    noun="producer",
    title="Producer",
    model=models.Producer,
    record=schema.Producer,
    filters={
        "code": _by_code(models.Producer),
        "ownership": Filter(
            schema.Ownership,
            lambda value: models.Producer.ownership == value,
            "state, private or joint_venture.",
        ),
        "region": Filter(
            str, lambda value: models.Producer.region == value, "Producers in this region."
        ),
    },
    own=lambda scope: (
        models.Producer.id == scope.producer_id if scope.producer_id is not None else false()
    ),
)

LINES = Section(
    name="lines",
    noun="line",
    title="Line",
    model=models.Line,
    record=schema.Line,
    references={"producer": models.Producer, "item": models.Item},
    filters={
        "code": _by_code(models.Line),
        "producer": _reference(models.Line.producer, models.Producer, "producer"),
        "item": _reference(models.Line.item, models.Item, "item"),
        "category": Filter(str, _line_category, "Lines making items of this category."),
    },
    own=_of_producer,
)

EXPANSIONS = Section(
    name="expansions",
    noun="expansion",
    title="Expansion",
    model=models.Expansion,
    record=schema.Expansion,
    references={"line": models.Line},
    filters={
        "code": _by_code(models.Expansion),
        "line": _reference(models.Expansion.line, models.Line, "line"),
    },
    own=lambda scope: models.Expansion.line_id.in_(
        select(models.Line.id).where(_of_producer(scope))
    ),
)

GROUPINGS = Section(
    name="groupings",
    noun="grouping",
    title="Grouping",
    model=models.Grouping,
    record=schema.Grouping,
    filters={"code": _by_code(models.Grouping)},
)

NEEDS = Section(
    name="needs",
    noun="need",
    title="Need",
    model=models.Need,
    record=schema.Need,
    references={"item": models.Item, "grouping": models.Grouping},
    filters={
        "item": _reference(models.Need.item, models.Item, "item"),
        "grouping": _reference(models.Need.grouping, models.Grouping, "grouping"),
        "month": Filter(
            _Month, lambda value: models.Need.month == value, "Needs of this month (0-based)."
        ),
        "priority": Filter(
            _Tier, lambda value: models.Need.priority == value, "Needs of this tier."
        ),
        "operation": Filter(
            schema.Operation,
            lambda value: models.Need.operation == value,
            "defensive, offensive or stabilization.",
        ),
    },
)

FUNDS = Section(
    name="funds",
    noun="fund",
    title="Fund",
    model=models.Fund,
    record=schema.Fund,
    filters={
        "code": _by_code(models.Fund),
        "kind": Filter(
            schema.FundKind, lambda value: models.Fund.kind == value, "state, partner, eu or jv."
        ),
    },
    own=lambda scope: models.Fund.id.in_(sorted(scope.fund_ids)),
)

FOREIGN_SUPPLY = Section(
    name="foreign_supply",
    noun="foreign supply",
    title="ForeignSupply",
    model=models.ForeignSupply,
    record=schema.ForeignSupply,
    references={"item": models.Item},
    filters={
        "item": _reference(models.ForeignSupply.item, models.Item, "item"),
        "month": Filter(
            _Month, lambda value: models.ForeignSupply.month == value, "Of this month."
        ),
        "supplier_country": Filter(
            Country,
            lambda value: models.ForeignSupply.supplier_country == value,
            "Expected from this supplier country (ISO 3166 alpha-2).",
        ),
    },
    api_fields={
        "supplier_country": (
            Country | None,
            None,
            "The supplying country, an ISO 3166 alpha-2 code such as PL; null where not known. "
            "Not part of kuznia-instance/1: the registry keeps it (decision 0016), and the "
            "workbench resolves a foreign shortfall by supplier country with it.",
        )
    },
)

STOCK = Section(
    name="stock",
    noun="stock",
    title="Stock",
    model=models.Stock,
    record=schema.Stock,
    references={"item": models.Item},
    filters={"item": _reference(models.Stock.item, models.Item, "item")},
)

# Signed contracts' deliveries: part of an instance, not served by the registry's API.
COMMITMENTS = Section(
    name="commitments",
    noun="commitment",
    title="Commitment",
    model=models.Commitment,
    record=schema.Commitment,
    references={"line": models.Line},
)


def _shared_for_producer(scope: Scope) -> ColumnElement[bool]:
    """The offers a planner shared, for items the producer makes (has a line of)."""
    if scope.producer_id is None:
        return false()
    return models.ExportOrder.shared.is_(True) & models.ExportOrder.item_id.in_(
        select(models.Line.item_id).where(models.Line.producer_id == scope.producer_id)
    )


# Foreign buyers' offers: planners keep them; a producer reads those shared with it.
EXPORT_ORDERS = Section(
    name="export_orders",
    noun="export order",
    title="ExportOrder",
    model=models.ExportOrder,
    record=schema.ExportOrder,
    references={"item": models.Item},
    filters={
        "code": _by_code(models.ExportOrder),
        "item": _reference(models.ExportOrder.item, models.Item, "item"),
        "month": Filter(
            _Month, lambda value: models.ExportOrder.month == value, "Offers for this month."
        ),
        "buyer": Filter(
            str, lambda value: models.ExportOrder.buyer == value, "Offers of this buyer country."
        ),
    },
    own=_shared_for_producer,
    api_fields={
        "shared": (
            bool,
            False,
            "Whether the producers of the offer's item see it (a planner decides).",
        )
    },
)

SECTIONS: tuple[Section, ...] = (
    ITEMS,
    PRODUCERS,
    LINES,
    EXPANSIONS,
    GROUPINGS,
    NEEDS,
    FUNDS,
    FOREIGN_SUPPLY,
    STOCK,
    EXPORT_ORDERS,
)
# Every section of the instance format, in its order: what an import writes, an export reads.
INSTANCE_SECTIONS: tuple[Section, ...] = (
    ITEMS,
    PRODUCERS,
    LINES,
    EXPANSIONS,
    GROUPINGS,
    NEEDS,
    FUNDS,
    FOREIGN_SUPPLY,
    STOCK,
    COMMITMENTS,
    EXPORT_ORDERS,
)
