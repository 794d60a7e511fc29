"""What each sheet of the registry workbook holds: its columns, what they mean, the order of
the sheets, and the rules the Notes sheet states. Writer and reader both read from here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto
from typing import Final

from kuznia.instance.months import add_months
from kuznia.instance.vocabulary import FUND_KINDS, OPERATIONS, OWNERSHIPS

# Shows a float with at least one decimal (878.0), so the reader knows it is not an int.
DECIMAL_FORMAT: Final = "#,##0.0##############"
TEXT_FORMAT: Final = "@"
NOTES: Final = "Notes"
SETTINGS: Final = "Settings"
CAPACITY_BY_MONTH: Final = "Capacity by month"
# In a Lines cell: the line's capacity or price is in its by-month sheet.
BY_MONTH: Final = "by month"
PRICE_BY_MONTH: Final = "Price by month"
DEFAULT_START: Final = "2026-01"
DEFAULT_MONTHS: Final = 12
MONTH_LABEL = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_REQUIRED: Final = "required"


# --- What each sheet holds ----------------------------------------------------------------------


class Kind(Enum):
    """How a cell is read."""

    TEXT = auto()
    NUMBER = auto()  # >= 0
    WHOLE = auto()  # >= 0
    POSITIVE_WHOLE = auto()  # >= 1
    SHARE = auto()  # > 0 and <= 1
    CHOICE = auto()  # one of the column's choices
    YES_NO = auto()
    NAMES = auto()  # comma-separated
    YEAR = auto()
    MONTH = auto()  # YYYY-MM
    COUNTRY = auto()  # two letters, ISO 3166 alpha-2


@dataclass(frozen=True)
class Column:
    """One column of a sheet: the field it fills and what a person needs to know about it."""

    header: str
    kind: Kind
    meaning: str
    unit: str = ""
    default: str = _REQUIRED  # what a blank cell means, in words; _REQUIRED when it must be given
    example: str = ""
    choices: tuple[str, ...] = ()
    # The column may be left out of the sheet (added to the format later: workbooks written
    # before it still read); a sheet without it leaves the field out of every record.
    may_be_absent: bool = False
    # The registry keeps the column beside the instance record (not part of
    # kuznia-instance/1, decision 0016): read apart from the record (`RegistryWorkbook`).
    registry_only: bool = False

    @property
    def required(self) -> bool:
        return self.default == _REQUIRED


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of one row per record: its title, the instance section it fills, its columns."""

    title: str
    section: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)


def _id(noun: str, example: str) -> Column:
    return Column(
        "id",
        Kind.TEXT,
        f"Identifier of the {noun}, unique; other sheets name the {noun} by it.",
        example=example,
    )


def _reference(header: str, sheet: str, example: str) -> Column:
    return Column(
        header, Kind.TEXT, f"The {header}: an id from the {sheet} sheet.", example=example
    )


def _month(meaning: str, default: str = _REQUIRED) -> Column:
    return Column(
        "month",
        Kind.WHOLE,
        meaning + " Months count from 0, the start month in Settings.",
        unit="month index",
        default=default,
        example="3",
    )


def _quantity(meaning: str) -> Column:
    return Column("quantity", Kind.NUMBER, meaning, unit="units of the item", example="5000")


ITEMS = SheetSpec(
    "Items",
    "items",
    "Product types that can be made and needed.",
    (
        _id("item", "art-155"),
        Column("name", Kind.TEXT, "Name people read.", example="155 mm round"),
        Column(
            "category",
            Kind.TEXT,
            "Category of the item; funds may be limited to categories.",
            example="artillery_ammunition",
        ),
        Column(
            "unit",
            Kind.TEXT,
            "Unit quantities of the item are counted in.",
            default='"pcs"',
            example="rounds",
        ),
    ),
)
PRODUCERS = SheetSpec(
    "Producers",
    "producers",
    "Companies. A joint venture's partners are in JV partners.",
    (
        _id("producer", "p001"),
        Column("name", Kind.TEXT, "Name people read.", example="Zavod 1"),
        Column(
            "ownership", Kind.CHOICE, "Who owns the producer.", example="state", choices=OWNERSHIPS
        ),
        Column(
            "region",
            Kind.TEXT,
            "Region the producer works in; funds may be limited to "
            "regions, scenarios strike regions.",
            example="region-07",
        ),
        Column(
            "employees",
            Kind.WHOLE,
            "People the producer employs (its jobs in the economy figures).",
            unit="people",
            default="not stated",
            example="1200",
            may_be_absent=True,
        ),
    ),
)
PARTNERS = SheetSpec(
    "JV partners",
    "partners",
    "Partners of joint-venture producers: one row per partner, read in row order; a producer "
    "with no row here has no partners.",
    (
        _reference("producer", "Producers", "p002"),
        Column("country", Kind.TEXT, "Partner's country.", example="DK"),
        Column(
            "share",
            Kind.SHARE,
            "Partner's share of the joint venture; a producer's shares add up to at most 1.",
            unit="fraction (0.3 = 30%)",
            example="0.3",
        ),
    ),
)
_PER_MONTH_RULE = (
    'When it changes by month, write "by month" here (or leave the cell blank) and give the '
    'line a row in "{sheet}"; a number here and a row there is an error.'
)
LINES = SheetSpec(
    "Lines",
    "lines",
    "A producer's capability to make one item.",
    (
        _id("line", "l0001"),
        _reference("producer", "Producers", "p001"),
        _reference("item", "Items", "art-155"),
        Column(
            "capacity",
            Kind.NUMBER,
            "Units the line can deliver each month, the same every "
            "month. " + _PER_MONTH_RULE.format(sheet=CAPACITY_BY_MONTH),
            unit="units per month",
            example="12000, or by month",
            default=f'required here or in "{CAPACITY_BY_MONTH}"',
        ),
        Column(
            "price",
            Kind.NUMBER,
            "Price of one unit, the same every month. "
            + _PER_MONTH_RULE.format(sheet=PRICE_BY_MONTH),
            unit="currency per unit",
            example="3100.0, or by month",
            default=f'required here or in "{PRICE_BY_MONTH}"',
        ),
        Column(
            "lead_time",
            Kind.WHOLE,
            "Months from the plan's start before new deliveries can "
            "arrive (committed ones may arrive earlier).",
            unit="months",
            default="0",
            example="2",
        ),
        Column(
            "min_rate",
            Kind.NUMBER,
            "milp mode only: a line used at all delivers at least this "
            "every month from its lead time on.",
            unit="units per month",
            default="0",
            example="0",
        ),
    ),
)
EXPANSIONS = SheetSpec(
    "Expansions",
    "expansions",
    "Investment options that add capacity to a line.",
    (
        _id("expansion", "e001"),
        _reference("line", "Lines", "l0001"),
        Column(
            "start",
            Kind.WHOLE,
            "Month the investment is decided (0 = the start month); its "
            "capital cost is paid in that month's calendar year.",
            unit="month index",
            default="0",
            example="0",
        ),
        Column(
            "delay",
            Kind.WHOLE,
            "Months from start until the added capacity counts.",
            unit="months",
            default="0",
            example="6",
        ),
        Column(
            "added_capacity",
            Kind.NUMBER,
            "Capacity added to the line.",
            unit="units per month",
            example="8000",
        ),
        Column(
            "capex",
            Kind.NUMBER,
            "Capital cost of the investment.",
            unit="currency",
            example="40000000.0",
        ),
    ),
)
GROUPINGS = SheetSpec(
    "Groupings",
    "groupings",
    "Operational-strategic groupings of troops: where deliveries go.",
    (
        _id("grouping", "g-east"),
        Column("name", Kind.TEXT, "Name people read.", default="empty", example="East"),
    ),
)
NEEDS = SheetSpec(
    "Needs",
    "needs",
    "Quantities of items the groupings need, by month, operation and priority.",
    (
        _reference("item", "Items", "art-155"),
        _reference("grouping", "Groupings", "g-east"),
        _month("Month the quantity is needed by."),
        _quantity("Quantity needed."),
        Column(
            "operation",
            Kind.CHOICE,
            "Type of operation; its weight is in Settings.",
            example="defensive",
            choices=OPERATIONS,
        ),
        Column(
            "priority",
            Kind.POSITIVE_WHOLE,
            "Priority tier, 1 is the highest: no amount of a "
            "lower tier outweighs a unit of a higher one.",
            unit="tier",
            default="1",
            example="1",
        ),
    ),
)
# A fund's `eligible` lists, each in a column of Funds named eligible_<list>.
ELIGIBLE_FIELDS = ("categories", "ownership", "producers", "regions")
_ELIGIBLE = (
    "The fund pays only for lines whose {what} is in this comma-separated list; blank: any {noun}."
)
FUNDS = SheetSpec(
    "Funds",
    "funds",
    "Sources of money. Amounts per year are in Fund budgets.",
    (
        _id("fund", "state-budget"),
        Column("name", Kind.TEXT, "Name people read.", default="empty", example="State budget"),
        Column(
            "kind",
            Kind.CHOICE,
            "Kind of fund.",
            default='"state"',
            example="partner",
            choices=FUND_KINDS,
        ),
        Column(
            "eligible_categories",
            Kind.NAMES,
            _ELIGIBLE.format(what="item's category (Items)", noun="category"),
            default="any category",
            example="artillery_ammunition, drones",
        ),
        Column(
            "eligible_ownership",
            Kind.NAMES,
            _ELIGIBLE.format(
                what="producer's ownership (state, private, joint_venture)", noun="ownership"
            ),
            default="any ownership",
            example="joint_venture, private",
            choices=OWNERSHIPS,
        ),
        Column(
            "eligible_producers",
            Kind.NAMES,
            _ELIGIBLE.format(what="producer (an id from Producers)", noun="producer"),
            default="any producer",
            example="p002, p004",
        ),
        Column(
            "eligible_regions",
            Kind.NAMES,
            _ELIGIBLE.format(what="producer's region (Producers)", noun="region"),
            default="any region",
            example="region-01",
        ),
        Column(
            "expansions",
            Kind.YES_NO,
            "May the fund pay the capital cost of expansions (of lines it is eligible for)?",
            default='"yes"',
            example="yes",
        ),
    ),
)
FUND_BUDGETS = SheetSpec(
    "Fund budgets",
    "budgets",
    "What each fund may pay per calendar year: one row per fund and year; a year with no row is 0.",
    (
        _reference("fund", "Funds", "state-budget"),
        Column("year", Kind.YEAR, "Calendar year.", unit="year", example="2026"),
        Column(
            "amount",
            Kind.NUMBER,
            "Most the fund pays in that year, for deliveries and capital costs together.",
            unit="currency",
            example="6000000000.0",
        ),
    ),
)
FOREIGN_SUPPLY = SheetSpec(
    "Foreign supply",
    "foreign_supply",
    "Expected deliveries from partners abroad.",
    (
        _reference("item", "Items", "art-155"),
        _month("Month of the delivery."),
        _quantity("Quantity expected."),
        Column(
            "supplier_country",
            Kind.COUNTRY,
            "Country the delivery is expected from, two letters (ISO 3166), e.g. PL. Kept by "
            "the registry for shortfalls by supplier country; not part of the instance file.",
            default="not known",
            example="PL",
            may_be_absent=True,
            registry_only=True,
        ),
    ),
)
STOCK = SheetSpec(
    "Stock",
    "stock",
    "Stock of each item at the start; one row per item at most.",
    (_reference("item", "Items", "art-155"), _quantity("Quantity in stock.")),
)
COMMITMENTS = SheetSpec(
    "Commitments",
    "commitments",
    "Signed contracts: a plan delivers at least these.",
    (
        _reference("line", "Lines", "l0001"),
        _month("Month of the delivery."),
        _quantity("Quantity contracted."),
    ),
)
EXPORT_ORDERS = SheetSpec(
    "Export orders",
    "export_orders",
    "Foreign buyers' offers: exports may use only output the country's plan does not take.",
    (
        _id("order", "x001"),
        _reference("item", "Items", "art-155"),
        _month("Month of the delivery abroad."),
        _quantity("Most the buyer takes."),
        Column(
            "price",
            Kind.NUMBER,
            "What the buyer pays per unit.",
            unit="currency per unit",
            example="3500.0",
        ),
        Column("buyer", Kind.TEXT, "The buyer's country (ISO code).", example="PL"),
    ),
)
# Sheets added to the workbook after its first version: a workbook without them still reads
# (as having no records of theirs).
OPTIONAL_SHEETS = frozenset({EXPORT_ORDERS.title})

# Settings: one row per setting, key in column A, value in column B.
SETTING_COLUMNS = (
    Column(
        "setting", Kind.TEXT, "Name of the setting; one row each, as listed below.", example="start"
    ),
    Column(
        "value",
        Kind.TEXT,
        "Value of the setting (see each setting below); blank: the default.",
        default="as each setting says",
        example="2026-01",
    ),
)
SETTINGS_ROWS = (
    Column(
        "name", Kind.TEXT, "Name of the instance.", default='"unnamed"', example="national-2026"
    ),
    Column(
        "start",
        Kind.MONTH,
        "First month of the plan, written YYYY-MM. The month columns of "
        "the by-month sheets follow from start and months.",
        example="2026-01",
    ),
    Column(
        "months", Kind.POSITIVE_WHOLE, "Months in the plan (1 to 600).", unit="months", example="24"
    ),
    Column(
        "currency",
        Kind.TEXT,
        "Currency of every price, cost and budget.",
        default='"USD"',
        example="USD",
    ),
    *(
        Column(
            f"operation_weights.{operation}",
            Kind.NUMBER,
            f"Weight of one unit-month short of a need for {operation} operations.",
            unit="weight",
            default=str(weight),
            example=str(weight),
        )
        for operation, weight in zip(OPERATIONS, (3, 2, 1), strict=True)
    ),
)
# The by-month sheets: the line, then one column per month of the plan.
BY_MONTH_COLUMNS = {
    CAPACITY_BY_MONTH: (
        Column(
            "line",
            Kind.TEXT,
            "A line of the Lines sheet whose capacity changes by month (its capacity cell in "
            'Lines says "by month" or is blank); one row per line at most.',
            example="l0001",
        ),
        Column(
            "YYYY-MM",
            Kind.NUMBER,
            "Capacity in that month; one column per month of the plan, every one filled.",
            unit="units per month",
            example="12000",
        ),
    ),
    PRICE_BY_MONTH: (
        Column(
            "line",
            Kind.TEXT,
            "A line of the Lines sheet whose price changes by month (its price cell in Lines "
            'says "by month" or is blank); one row per line at most.',
            example="l0001",
        ),
        Column(
            "YYYY-MM",
            Kind.NUMBER,
            "Price in that month; one column per month of the plan, every one filled.",
            unit="currency per unit",
            example="3100.0",
        ),
    ),
}
BY_MONTH_FIELDS = {CAPACITY_BY_MONTH: "capacity", PRICE_BY_MONTH: "price"}

RECORD_SHEETS = (
    ITEMS,
    PRODUCERS,
    PARTNERS,
    LINES,
    EXPANSIONS,
    GROUPINGS,
    NEEDS,
    FUNDS,
    FUND_BUDGETS,
    FOREIGN_SUPPLY,
    STOCK,
    COMMITMENTS,
    EXPORT_ORDERS,
)
# Sheets in the order of the workbook; problems are reported in this order too.
SHEET_ORDER = (
    NOTES,
    SETTINGS,
    "Items",
    "Producers",
    "JV partners",
    "Lines",
    CAPACITY_BY_MONTH,
    PRICE_BY_MONTH,
    "Expansions",
    "Groupings",
    "Needs",
    "Funds",
    "Fund budgets",
    "Foreign supply",
    "Stock",
    "Commitments",
    "Export orders",
)
SECTION_SHEETS = {sheet.section: sheet.title for sheet in RECORD_SHEETS} | {
    setting.header.split(".")[0]: SETTINGS for setting in SETTINGS_ROWS
}

RULES = (
    "Each sheet holds one record per row under its header row (row 1). Fully empty rows are "
    "skipped. Keep the column names: columns may be moved, not renamed, and no column may be "
    "added. Sheets other than these are ignored.",
    'A blank cell leaves the field out: it takes the default in "required or default". A '
    "required field must not be blank.",
    "Ids are text: other sheets name a record by its id, exactly as written (case and spaces "
    "count).",
    "Numbers are plain numbers, never text such as 'lots' or a date. A whole number is read as "
    "an integer unless its cell's number format shows decimals (as Kuznia writes decimal "
    "numbers, e.g. 878.0): then it is a decimal number. Both are accepted wherever a number is; "
    "the difference only keeps an exported instance identical when it is read back.",
    "Months are counted from 0, the start month in Settings: with start 2026-01, month 3 is "
    "2026-04.",
    "Capacity and price: a number in the Lines sheet holds for every month. A value that "
    f'changes by month goes in "{CAPACITY_BY_MONTH}" or "{PRICE_BY_MONTH}" instead, one row per '
    'line with a value in every month column, and the Lines cell says "by month" (a blank cell '
    "is read the same way). The month columns follow start and months in Settings; change "
    "those and the columns must change too.",
    "Lists (a fund's eligibility) are comma-separated in one cell; blank means no restriction.",
    "Formulas are allowed where the workbook was saved by Excel or LibreOffice, which store "
    "their computed value; a formula with no computed value is an error.",
    "Import is all or nothing: every bad cell is reported as Sheet!A1 (column) and nothing is "
    "imported until all are fixed.",
    "This sheet (Notes) is not read on import.",
)


def month_labels(start: str, months: int) -> list[str]:
    """`YYYY-MM` of every month of the plan."""
    return [add_months(start, offset) for offset in range(months)]
