"""A contract's terms in numbers: money to cents, quantities without solver noise, funding
split so it adds up, the version in force, and a guarantee's funds as stored."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from kuznia import models

# Planned quantities below this are the solver's rounding noise, not deliveries.
NOISE = 1e-6


def cents(amount: float) -> float:
    """An amount of money rounded to cents."""
    return round(amount + 0.0, 2)


def units(quantity: float) -> float:
    """A quantity without the solver's noise in its last digits."""
    return round(quantity + 0.0, 6)


def whole_units(quantities: Sequence[float]) -> list[int]:
    """Quantities rounded to whole units so that they add up to their sum rounded (largest
    remainder: each is rounded down, and the units still missing go to the largest
    remainders, the earlier on a tie): [0.5, 0.5, 1.0] -> [1, 0, 1]."""
    total = math.floor(sum(quantities) + 0.5 + 1e-9)
    floors = [math.floor(quantity + 1e-9) for quantity in quantities]
    missing = total - sum(floors)
    order = sorted(range(len(quantities)), key=lambda i: (-(quantities[i] - floors[i]), i))
    for index in order[: max(missing, 0)]:
        floors[index] += 1
    return floors


def split_value(
    parts: Sequence[tuple[str, int, float]], *, total: float
) -> list[tuple[str, int, float]]:
    """Round each (fund, year, amount) to cents so that they add up to `total` exactly: the
    cents lost or gained in rounding go to the largest part. Parts worth nothing are dropped."""
    rounded = [(fund, year, cents(amount)) for fund, year, amount in parts]
    rounded = [part for part in rounded if part[2] > 0]
    if not rounded:
        return []
    gap = cents(total - sum(amount for _, _, amount in rounded))
    # More than a cent per part means the parts do not describe the total: leave them be.
    if gap and abs(gap) <= 0.01 * len(rounded) + 1e-9:
        largest = max(range(len(rounded)), key=lambda i: rounded[i][2])
        fund, year, amount = rounded[largest]
        rounded[largest] = (fund, year, cents(amount + gap))
    return rounded


def funding_rows(parts: Sequence[tuple[str, int, float]], *, value: float) -> list[Any]:
    """ContractFunding rows of a version worth `value`, each with its share of it."""
    return [
        models.ContractFunding(
            fund=fund, year=year, amount=amount, share=amount / value if value > 0 else 0.0
        )
        for fund, year, amount in sorted(parts, key=lambda part: (part[1], part[0]))
    ]


def dump_guarantee_funds(shares: Mapping[str, float]) -> str:
    """A guarantee's funds as stored: compact JSON, which `repository._names_fund` searches."""
    entries = [{"fund": fund, "share": round(share, 9)} for fund, share in shares.items()]
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":"))


def guarantee_funds(guarantee: models.Guarantee) -> list[dict[str, Any]]:
    """A guarantee's funds: [{"fund", "share"}]."""
    entries: list[dict[str, Any]] = json.loads(guarantee.funds or "[]")
    return entries


def current_terms(contract: models.Contract) -> models.ContractVersion:
    """The version in force."""
    for version in contract.versions:
        if version.number == contract.current_version:
            return version
    raise LookupError(f"contract {contract.number} has no version {contract.current_version}")
