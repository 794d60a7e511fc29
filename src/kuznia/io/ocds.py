"""Contracts as Open Contracting Data Standard 1.1 releases: one release per contract, in one
release package, checked against the standard's schema and codelists.

A release says, as of one moment: who buys (the ministry), who supplies (the producer), who
funds and who pays (every fund of the terms in force; a non-state fund pays the supplier
itself, the state budget pays through the buyer); the award; the contract with its terms in
force (one item per scheduled month: quantity and unit price), its amendments, and its
implementation: the value of what depots accepted so far per month and payer (accepted
receipts x the month's price) and one delivery milestone per scheduled month (met once the
accepted quantity reaches the scheduled quantity up to that month, not met once the month is
over without that, scheduled before).

Our lifecycle in OCDS's words: draft -> contract `pending`; signed, in_delivery -> `active`;
completed -> `terminated`; terminated -> `terminated` if it was signed, else `cancelled`.

What is withheld is left out and declared in the release's `withheldInformation` array (the
OCDS Withheld information extension: `id`, `field`, `name`, `rationale`): where depots are
(receipts name depots; `contracts/items/deliveryAddresses` of the Location extension), and for
sensitive items (by item code or category) the quantities and the unit prices, since a unit
price and a value give the quantity away. A contract's total value is always published.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from kuznia import models
from kuznia.documents import JsonObject
from kuznia.instance.months import add_months, first_day, month_of, year_of
from kuznia.models.base import as_utc
from kuznia.models.planning import DEFAULT_CURRENCY
from kuznia.settings import Settings

OCDS_VERSION = "1.1"
RELEASE_SCHEMA = "dereferenced-release-schema.json"
PACKAGE_SCHEMA = "release-package-schema.json"
# Which codelist each exported code comes from.
CODELISTS = {
    "tag": "releaseTag.csv",
    "contract status": "contractStatus.csv",
    "party role": "partyRole.csv",
    "milestone type": "milestoneType.csv",
    "milestone status": "milestoneStatus.csv",
}
EXTENSIONS = {
    "withheldInformation": "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_withheldInformation_extension/master/extension.json",
    "location": "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_location_extension/master/extension.json",
}
BUYER_ID = "buyer"
ITEM_SCHEME = "x_kuznia_item"

_CONTRACT_STATUS = {
    models.ContractStatus.draft: "pending",
    models.ContractStatus.signed: "active",
    models.ContractStatus.in_delivery: "active",
    models.ContractStatus.completed: "terminated",
}


def default_schema_dir() -> Path:
    """The OCDS schemas and codelists shipped with the package (`kuznia/io/ocds_schema/`, a copy
    of ../shared/ocds kept in step by tests/io/test_ocds.py)."""
    return Path(str(resources.files("kuznia.io").joinpath("ocds_schema")))


@dataclass(frozen=True)
class OcdsOptions:
    """What the export publishes and withholds (from `Settings`' `ocds_*` fields)."""

    ocid_prefix: str = "ocds-kuznia"
    publisher_name: str = "Kuznia"
    buyer_name: str = "Ministry of Defence"
    package_uri: str = ""
    withhold_depot_locations: bool = True
    # Item codes or categories whose quantities (and unit prices) are withheld.
    sensitive_items: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> OcdsOptions:
        return cls(
            ocid_prefix=settings.ocds_ocid_prefix,
            publisher_name=settings.ocds_publisher_name,
            buyer_name=settings.ocds_buyer_name,
            package_uri=settings.ocds_package_uri,
            withhold_depot_locations=settings.ocds_withhold_depot_locations,
            sensitive_items=frozenset(settings.ocds_sensitive_items),
        )


@dataclass
class Export:
    """A release package and what went into it."""

    package: JsonObject
    contracts: int
    guarantees: int = 0
    # withheld field -> how many releases withhold it
    withheld: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Accepted:
    """A receipt's accepted quantity (negative for a reversal) on a day at a depot."""

    day: date
    depot_id: int
    quantity: float


@dataclass
class OcdsRegistry:
    """The names the releases use, by code (a contract outlives the registry rows it names:
    a code no longer in the registry is its own name)."""

    producers: dict[str, str]
    items: dict[str, models.Item]
    funds: dict[str, models.Fund]
    depots: dict[int, models.Depot]


def build_package(
    *,
    contracts: Sequence[models.Contract],
    registry: OcdsRegistry,
    accepted: Mapping[int, Sequence[Accepted]],
    options: OcdsOptions,
    as_of: datetime,
    guarantees: Sequence[Guaranteed] = (),
) -> Export:
    """Every contract and purchase guarantee as a release, as of `as_of` (receipts after it
    are not yet known), in one release package published at `as_of`; the caller reads
    contracts, guarantees and receipts (kuznia.contracts.publication)."""
    as_of = as_utc(as_of)
    export = Export(package={}, contracts=len(contracts), guarantees=len(guarantees))
    releases = []
    for contract in contracts:
        release = contract_release(
            contract,
            accepted=accepted.get(contract.id, []),
            registry=registry,
            options=options,
            as_of=as_of,
        )
        for entry in release.get("withheldInformation", []):
            export.withheld[entry["field"]] += 1
        releases.append(release)
    for guaranteed in guarantees:
        release = guarantee_release(guaranteed, registry=registry, options=options, as_of=as_of)
        for entry in release.get("withheldInformation", []):
            export.withheld[entry["field"]] += 1
        releases.append(release)
    used = {
        name
        for name, present in (
            ("withheldInformation", any("withheldInformation" in r for r in releases)),
            ("location", any(_has_addresses(r) for r in releases)),
        )
        if present
    }
    export.package = {
        "uri": options.package_uri or f"urn:kuznia:ocds:{options.ocid_prefix}:{_stamp(as_of)}",
        "version": OCDS_VERSION,
        **({"extensions": [EXTENSIONS[name] for name in sorted(used)]} if used else {}),
        "publishedDate": _datetime(as_of),
        "publisher": {"name": options.publisher_name},
        "releases": releases,
    }
    return export


def _release_items(
    contract: models.Contract,
    schedule: list[tuple[str, float, float]],
    depots_by_month: dict[str, set[int]],
    *,
    registry: OcdsRegistry,
    unit_name: str,
    sensitive: bool,
    withhold_depots: bool,
) -> list[JsonObject]:
    """One item per scheduled month; a sensitive item without quantity and price, and the
    depots that received it unless their locations are withheld."""
    items = []
    for month, quantity, price in schedule:
        entry: JsonObject = {
            "id": month,
            "description": f"{_item_name(registry, contract.item)}, deliveries due in {month}",
            "classification": {
                "scheme": ITEM_SCHEME,
                "id": contract.item,
                "description": _item_name(registry, contract.item),
            },
            "unit": {"name": unit_name},
        }
        if not sensitive:
            entry["quantity"] = quantity
            entry["unit"]["value"] = {"amount": price, "currency": contract.currency}
        depots = sorted(depots_by_month.get(month, ()))
        if depots and not withhold_depots:
            entry["deliveryAddresses"] = [_address(registry.depots[d]) for d in depots]
        items.append(entry)
    return items


def _tags(contract: models.Contract, accepted: Sequence[Accepted], *, cancelled: bool) -> list[str]:
    """The release's tags: award (or its cancellation), contract, and what happened since."""
    tags = ["awardCancellation" if cancelled else "award", "contract"]
    if len(contract.versions) > 1:
        tags.append("contractAmendment")
    if accepted or contract.status in (
        models.ContractStatus.in_delivery,
        models.ContractStatus.completed,
    ):
        tags.append("implementation")
    if contract.status in models.CLOSED:
        tags.append("contractTermination")
    return tags


def contract_release(
    contract: models.Contract,
    *,
    accepted: Sequence[Accepted],
    registry: OcdsRegistry,
    options: OcdsOptions,
    as_of: datetime,
) -> JsonObject:
    """One contract as an OCDS release as of `as_of`."""
    ocid = f"{options.ocid_prefix}-{contract.number}"
    terms = next(v for v in contract.versions if v.number == contract.current_version)
    first = contract.versions[0]
    item = registry.items.get(contract.item)
    category = item.category if item is not None else None
    sensitive = bool({contract.item, category} & options.sensitive_items)
    currency = contract.currency
    schedule = [(d.month, d.quantity, d.price) for d in terms.deliveries]
    withheld: list[dict[str, str]] = []

    def withhold(field: str, name: str, rationale: str) -> None:
        withheld.append(
            {
                "id": f"{ocid}-withheld-{len(withheld) + 1}",
                "field": field,
                "name": name,
                "rationale": rationale,
            }
        )

    supplier = {
        "id": f"producer-{contract.producer}",
        "name": registry.producers.get(contract.producer, contract.producer),
    }
    buyer = {"id": BUYER_ID, "name": options.buyer_name}
    fund_codes = sorted({row.fund for row in terms.funding})
    paid_through_buyer = {code for code in fund_codes if _is_state(registry, code)}
    transactions = _transactions(
        contract,
        terms,
        accepted,
        registry=registry,
        buyer=buyer,
        supplier=supplier,
        paid_through_buyer=paid_through_buyer,
    )
    parties = [
        {**buyer, "roles": ["buyer", *(["payer"] if paid_through_buyer else [])]},
        {**supplier, "roles": ["supplier", *(["payee"] if transactions else [])]},
        *(
            {
                "id": f"fund-{code}",
                "name": _fund_name(registry, code),
                "roles": ["funder", *([] if code in paid_through_buyer else ["payer"])],
            }
            for code in fund_codes
        ),
    ]

    depots_by_month: dict[str, set[int]] = defaultdict(set)
    for receipt in accepted:
        if receipt.quantity > 0:
            depots_by_month[month_of(receipt.day)].add(receipt.depot_id)
    items = _release_items(
        contract,
        schedule,
        depots_by_month,
        registry=registry,
        unit_name=item.unit if item is not None else "pcs",
        sensitive=sensitive,
        withhold_depots=options.withhold_depot_locations,
    )
    if sensitive:
        rationale = f"{contract.item} is a sensitive item: how many are bought is not published"
        withhold("contracts/items/quantity", "Quantity of a sensitive item", rationale)
        withhold(
            "contracts/items/unit/value",
            "Unit price of a sensitive item",
            rationale + " (a unit price and a value would give it away)",
        )
    if depots_by_month and options.withhold_depot_locations:
        withhold(
            "contracts/items/deliveryAddresses",
            "Depot locations",
            "where depots are is not published",
        )

    status = _contract_status(contract)
    cancelled = status == "cancelled"
    period = _period(schedule)
    award = {
        "id": f"{contract.number}-award",
        "title": f"{_item_name(registry, contract.item)} from {supplier['name']}",
        "status": "cancelled"
        if cancelled
        else ("pending" if contract.status is models.ContractStatus.draft else "active"),
        "date": _datetime(contract.created_at),
        "value": {"amount": first.value, "currency": currency},
        "suppliers": [supplier],
        **({"contractPeriod": period} if period else {}),
    }
    contract_section: JsonObject = {
        "id": contract.number,
        "awardID": award["id"],
        "title": f"{_item_name(registry, contract.item)} from {supplier['name']}",
        "description": f"Line {contract.line} of producer {contract.producer}; "
        f"terms version {contract.current_version}.",
        "status": status,
        **({"period": period} if period else {}),
        "value": {"amount": terms.value, "currency": currency},
        "items": items,
        **({"dateSigned": _datetime(contract.signed_at)} if contract.signed_at else {}),
        "implementation": {
            "transactions": transactions,
            "milestones": _milestones(contract, schedule, accepted, as_of),
        },
    }
    if len(contract.versions) > 1:
        contract_section["amendments"] = [
            {
                "id": f"{contract.number}-v{version.number}",
                "date": _datetime(version.created_at),
                "rationale": version.reason,
                "description": f"Terms version {version.number} replaces version "
                f"{version.number - 1}.",
            }
            for version in contract.versions[1:]
        ]
    tags = _tags(contract, accepted, cancelled=cancelled)
    return _release(ocid, as_of, tags, parties, buyer, award, contract_section, withheld)


@dataclass(frozen=True)
class Guaranteed:
    """A purchase guarantee and what was bought against it so far (its line's accepted
    receipts inside its window, `kuznia.contracts.repository.bought_against`)."""

    guarantee: models.Guarantee
    funds: Sequence[Mapping[str, Any]]  # [{"fund", "share"}]
    bought: float
    currency: str = DEFAULT_CURRENCY  # its plan run's


_GUARANTEE_STATUS = {
    models.GuaranteeStatus.draft: "pending",
    models.GuaranteeStatus.signed: "active",
    models.GuaranteeStatus.fulfilled: "terminated",
}


def guarantee_release(
    guaranteed: Guaranteed, *, registry: OcdsRegistry, options: OcdsOptions, as_of: datetime
) -> JsonObject:
    """One purchase guarantee as an OCDS release as of `as_of`: an award and a contract whose
    one item is the guaranteed minimum over the window at the price cap, whose value is their
    product (the most it commits), with a delivery milestone met once its total is bought.
    Quantities and unit prices of sensitive items are withheld as for contracts."""
    guarantee = guaranteed.guarantee
    ocid = f"{options.ocid_prefix}-{guarantee.number}"
    item = registry.items.get(guarantee.item)
    category = item.category if item is not None else None
    sensitive = bool({guarantee.item, category} & options.sensitive_items)
    currency = guaranteed.currency
    supplier = {
        "id": f"producer-{guarantee.producer}",
        "name": registry.producers.get(guarantee.producer, guarantee.producer),
    }
    buyer = {"id": BUYER_ID, "name": options.buyer_name}
    fund_codes = sorted({str(entry["fund"]) for entry in guaranteed.funds})
    parties = [
        {**buyer, "roles": ["buyer"]},
        {**supplier, "roles": ["supplier"]},
        *(
            {"id": f"fund-{code}", "name": _fund_name(registry, code), "roles": ["funder"]}
            for code in fund_codes
        ),
    ]
    name = _item_name(registry, guarantee.item)
    entry: JsonObject = {
        "id": "guaranteed",
        "description": f"{name}, at least this quantity bought over {guarantee.start}.."
        f"{guarantee.end}",
        "classification": {"scheme": ITEM_SCHEME, "id": guarantee.item, "description": name},
        "unit": {"name": item.unit if item is not None else "pcs"},
    }
    withheld: list[dict[str, str]] = []
    if sensitive:
        rationale = f"{guarantee.item} is a sensitive item: how many are bought is not published"
        for field_name, title, why in (
            ("contracts/items/quantity", "Quantity of a sensitive item", rationale),
            (
                "contracts/items/unit/value",
                "Unit price of a sensitive item",
                rationale + " (a unit price and a value would give it away)",
            ),
        ):
            withheld.append(
                {
                    "id": f"{ocid}-withheld-{len(withheld) + 1}",
                    "field": field_name,
                    "name": title,
                    "rationale": why,
                }
            )
    else:
        entry["quantity"] = guarantee.quantity
        entry["unit"]["value"] = {"amount": guarantee.price, "currency": currency}
    status = _guarantee_status(guarantee)
    cancelled = status == "cancelled"
    period = {
        "startDate": _datetime(_month_start(guarantee.start)),
        "endDate": _datetime(_month_end(guarantee.end)),
    }
    value = {"amount": round(guarantee.quantity * guarantee.price, 2), "currency": currency}
    title = f"Purchase guarantee: {name} from {supplier['name']}"
    award = {
        "id": f"{guarantee.number}-award",
        "title": title,
        "status": "cancelled"
        if cancelled
        else ("pending" if guarantee.status is models.GuaranteeStatus.draft else "active"),
        "date": _datetime(guarantee.created_at),
        "value": value,
        "suppliers": [supplier],
        "contractPeriod": period,
    }
    fulfilled = guarantee.status is models.GuaranteeStatus.fulfilled
    met = fulfilled or guaranteed.bought >= guarantee.quantity - 1e-9
    due = _month_end(guarantee.end)
    milestone: JsonObject = {
        "id": f"{guarantee.number}-total",
        "title": f"The guaranteed total bought by the end of {guarantee.end}",
        "type": "delivery",
        "dueDate": _datetime(due),
        "status": "met"
        if met
        else ("notMet" if due < as_of or guarantee.status in _ENDED else "scheduled"),
        "dateModified": _datetime(as_of),
    }
    if met and guarantee.closed_at is not None:
        milestone["dateMet"] = _datetime(guarantee.closed_at)
    contract_section: JsonObject = {
        "id": guarantee.number,
        "awardID": award["id"],
        "title": title,
        "description": f"A purchase guarantee on line {guarantee.line} of producer "
        f"{guarantee.producer}: at least the quantity over the period at no more than the "
        "unit price; purchases are made under contracts of the line.",
        "status": status,
        "period": period,
        "value": value,
        "items": [entry],
        **({"dateSigned": _datetime(guarantee.signed_at)} if guarantee.signed_at else {}),
        "implementation": {"milestones": [milestone]},
    }
    tags = ["awardCancellation" if cancelled else "award", "contract"]
    if guarantee.status in _ENDED:
        tags.append("contractTermination")
    return _release(ocid, as_of, tags, parties, buyer, award, contract_section, withheld)


def _release(
    ocid: str,
    as_of: datetime,
    tags: list[str],
    parties: list[JsonObject],
    buyer: JsonObject,
    award: JsonObject,
    contract: JsonObject,
    withheld: list[dict[str, str]],
) -> JsonObject:
    """One release of `ocid` as of `as_of`: its one award and one contract, and what of them
    is withheld (the field is left out when nothing is)."""
    release: JsonObject = {
        "ocid": ocid,
        "id": f"{ocid}-{_stamp(as_of)}",
        "date": _datetime(as_of),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "awards": [award],
        "contracts": [contract],
    }
    if withheld:
        release["withheldInformation"] = withheld
    return release


_ENDED = frozenset({models.GuaranteeStatus.fulfilled, models.GuaranteeStatus.terminated})


def _guarantee_status(guarantee: models.Guarantee) -> str:
    if guarantee.status is models.GuaranteeStatus.terminated:
        return "terminated" if guarantee.signed_at is not None else "cancelled"
    return _GUARANTEE_STATUS[guarantee.status]


def _contract_status(contract: models.Contract) -> str:
    if contract.status is models.ContractStatus.terminated:
        return "terminated" if contract.signed_at is not None else "cancelled"
    return _CONTRACT_STATUS[contract.status]


def _transactions(
    contract: models.Contract,
    terms: models.ContractVersion,
    accepted: Sequence[Accepted],
    *,
    registry: OcdsRegistry,
    buyer: Mapping[str, str],
    supplier: Mapping[str, str],
    paid_through_buyer: set[str],
) -> list[JsonObject]:
    """The value accepted so far, per month and fund: the month's accepted quantity (net of
    reversals) x its scheduled price (the average price for a month off the schedule), split
    in the proportions the fund pays that year (overall ones for a year it does not fund)."""
    prices = {d.month: d.price for d in terms.deliveries}
    average = terms.value / terms.quantity if terms.quantity > 0 else 0.0
    by_month: dict[str, float] = defaultdict(float)
    last_day: dict[str, date] = {}
    for receipt in accepted:
        month = month_of(receipt.day)
        by_month[month] += receipt.quantity
        last_day[month] = receipt.day
    shares_by_year: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    overall: dict[str, float] = defaultdict(float)
    for row in terms.funding:
        shares_by_year[row.year][row.fund] += row.amount
        overall[row.fund] += row.amount
    transactions = []
    for month in sorted(by_month):
        value = by_month[month] * prices.get(month, average)
        if value <= 0:
            continue
        funds = shares_by_year.get(year_of(month)) or overall
        total = sum(funds.values())
        for fund, amount in sorted(funds.items()):
            part = round(value * amount / total, 2) if total > 0 else 0.0
            if part <= 0:
                continue
            payer = buyer if fund in paid_through_buyer else _fund_party(registry, fund)
            transactions.append(
                {
                    "id": f"{contract.number}-{month}-{fund}",
                    "date": _datetime(_day_start(last_day[month])),
                    "value": {"amount": part, "currency": contract.currency},
                    "payer": dict(payer),
                    "payee": dict(supplier),
                }
            )
    return transactions


def _milestones(
    contract: models.Contract,
    schedule: Sequence[tuple[str, float, float]],
    accepted: Sequence[Accepted],
    as_of: datetime,
) -> list[JsonObject]:
    """One delivery milestone per scheduled month: met once the accepted quantity reaches the
    quantity scheduled up to that month (dateMet: the day it last did), notMet once the month
    is over (or the contract closed) without that, scheduled before."""
    closed = contract.status in models.CLOSED
    # The running total of accepted quantity after each day.
    running: list[tuple[date, float]] = []
    total = 0.0
    for receipt in accepted:
        total += receipt.quantity
        if running and running[-1][0] == receipt.day:
            running[-1] = (receipt.day, total)
        else:
            running.append((receipt.day, total))
    milestones = []
    scheduled = 0.0
    for month, quantity, _ in schedule:
        scheduled += quantity
        met_on: date | None = None
        for day, accepted_total in running:
            # Met on the day the total last rose to the schedule (a reversal can undo it).
            reached = accepted_total >= scheduled - 1e-9
            met_on = (met_on or day) if reached else None
        due = _month_end(month)
        if met_on is not None:
            status = "met"
        elif due < as_of or closed:
            status = "notMet"
        else:
            status = "scheduled"
        milestone: JsonObject = {
            "id": f"{contract.number}-{month}",
            "title": f"Deliveries due by the end of {month}",
            "type": "delivery",
            "dueDate": _datetime(due),
            "status": status,
            "dateModified": _datetime(as_of),
        }
        if met_on is not None:
            milestone["dateMet"] = _datetime(_day_start(met_on))
        milestones.append(milestone)
    return milestones


def _period(schedule: Sequence[tuple[str, float, float]]) -> dict[str, str] | None:
    if not schedule:
        return None
    return {
        "startDate": _datetime(_month_start(schedule[0][0])),
        "endDate": _datetime(_month_end(schedule[-1][0])),
    }


def _address(depot: models.Depot) -> dict[str, str]:
    address = {"description": depot.name, "streetAddress": depot.location, "region": depot.region}
    return {key: value for key, value in address.items() if value}


def _has_addresses(release: Mapping[str, Any]) -> bool:
    return any(
        "deliveryAddresses" in item
        for contract in release.get("contracts", [])
        for item in contract.get("items", [])
    )


def _is_state(registry: OcdsRegistry, code: str) -> bool:
    fund = registry.funds.get(code)
    return fund is not None and fund.kind is models.FundKind.state


def _fund_name(registry: OcdsRegistry, code: str) -> str:
    fund = registry.funds.get(code)
    return fund.name if fund is not None and fund.name else code


def _fund_party(registry: OcdsRegistry, code: str) -> dict[str, str]:
    return {"id": f"fund-{code}", "name": _fund_name(registry, code)}


def _item_name(registry: OcdsRegistry, code: str) -> str:
    item = registry.items.get(code)
    return item.name if item is not None else code


def _month_start(month: str) -> datetime:
    return datetime.combine(first_day(month), time(), tzinfo=UTC)


def _month_end(month: str) -> datetime:
    """The last second of a month YYYY-MM."""
    return _month_start(add_months(month, 1)) - timedelta(seconds=1)


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _datetime(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC, to the second."""
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- validation ---------------------------------------------------------------------------


class SchemaMissing(Exception):
    """Raised when the OCDS schema folder lacks a file the validation needs."""


def read_codelist(path: Path) -> frozenset[str]:
    """The codes (the `Code` column) of an OCDS codelist CSV."""
    with path.open(newline="", encoding="utf-8") as file:
        return frozenset(row["Code"] for row in csv.DictReader(file))


def validate_package(package: Mapping[str, Any], *, schema_dir: Path) -> list[str]:
    """Every problem of a release package: each release against the dereferenced release
    schema, the package against the package schema, and the codes used against the
    codelists; `releases[2].contracts[0].status: ...`. Empty when it is valid."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    files = [RELEASE_SCHEMA, PACKAGE_SCHEMA, *CODELISTS.values()]
    missing = [name for name in files if not (schema_dir / name).is_file()]
    if missing:
        raise SchemaMissing(f"{schema_dir} lacks {', '.join(missing)}")
    release_schema = json.loads((schema_dir / RELEASE_SCHEMA).read_text(encoding="utf-8"))
    package_schema = json.loads((schema_dir / PACKAGE_SCHEMA).read_text(encoding="utf-8"))
    problems: list[str] = []
    releases = package.get("releases", [])
    release_validator = Draft4Validator(
        release_schema, format_checker=Draft4Validator.FORMAT_CHECKER
    )
    for index, release in enumerate(releases):
        for error in release_validator.iter_errors(release):
            where = _path(["releases", index, *error.absolute_path])
            problems.append(f"{where}: {error.message}")
    # The releases were checked one by one above: the package's reference to the release
    # schema accepts any object here.
    references = Registry().with_resource(
        release_schema.get("id", ""), Resource.from_contents({}, default_specification=DRAFT4)
    )
    package_validator = Draft4Validator(
        package_schema, registry=references, format_checker=Draft4Validator.FORMAT_CHECKER
    )
    for error in package_validator.iter_errors(package):
        problems.append(f"{_path(error.absolute_path) or 'package'}: {error.message}")
    problems.extend(_codelist_problems(releases, schema_dir))
    return problems


def _codelist_problems(releases: Iterable[Mapping[str, Any]], schema_dir: Path) -> list[str]:
    codes = {name: read_codelist(schema_dir / csv_name) for name, csv_name in CODELISTS.items()}
    problems = []

    def check(kind: str, value: Any, where: list[Any]) -> None:
        if value not in codes[kind]:
            problems.append(f"{_path(where)}: {value!r} is not a {kind} of {CODELISTS[kind]}")

    for r, release in enumerate(releases):
        for t, tag in enumerate(release.get("tag", [])):
            check("tag", tag, ["releases", r, "tag", t])
        for p, party in enumerate(release.get("parties", [])):
            for k, role in enumerate(party.get("roles") or []):
                check("party role", role, ["releases", r, "parties", p, "roles", k])
        for c, contract in enumerate(release.get("contracts", [])):
            check(
                "contract status", contract.get("status"), ["releases", r, "contracts", c, "status"]
            )
            milestones = contract.get("implementation", {}).get("milestones", [])
            for m, milestone in enumerate(milestones):
                base = ["releases", r, "contracts", c, "implementation", "milestones", m]
                check("milestone type", milestone.get("type"), [*base, "type"])
                check("milestone status", milestone.get("status"), [*base, "status"])
    return problems


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
