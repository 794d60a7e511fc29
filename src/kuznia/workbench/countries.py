"""A foreign shortfall by supplier country, resolved against the registry when a scenario is
stored (decision 0016). `kuznia-instance/1` has no supplier country, so a stored scenario
cannot cut "what comes from PL"; it cuts items in months instead:

    share[i,t] = s * supply[i,t from X] / supply[i,t]    for t in a..b where X supplies i

one `foreign_supply_cut` per item and run of months with the same share, each labelled with
`"country": X`. Applied to a plan run's snapshot, each cut takes that share of the item's
foreign supply there, so the snapshot loses s of what X was expected to deliver when the
registry and the snapshot agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kuznia.errors import FieldProblem, InvalidInput

# Digits kept of a resolved share: enough that s * part is exact to the solver's tolerance.
SHARE_DIGITS = 12


@dataclass(frozen=True)
class ExpectedSupply:
    """The registry's expected foreign supply, in its order: item code, month, quantity and
    supplier country (None where not known), and the horizon's length."""

    rows: list[tuple[str, int, float, str | None]]
    months: int

    @property
    def countries(self) -> list[str]:
        return sorted({country for *_, country in self.rows if country})


def _is_request(change: object) -> bool:
    """A foreign shortfall by country still to resolve: a country and no items or categories."""
    return (
        isinstance(change, dict)
        and change.get("kind") == "foreign_supply_cut"
        and change.get("country") is not None
        and not change.get("items")
        and not change.get("categories")
    )


def needs_resolving(changes: list[Any]) -> bool:
    """Whether any change is a foreign shortfall by supplier country still to resolve."""
    return any(_is_request(change) for change in changes)


def resolve_countries(changes: list[Any], supply: ExpectedSupply) -> list[Any]:
    """`changes` with every foreign shortfall by supplier country replaced by its cuts per
    item and run of months (module docstring); InvalidInput naming the change's field for
    an unknown country, or one that delivers nothing in the months chosen. A request whose
    own fields are malformed is left as it is, for the document's check to name them."""
    total: dict[tuple[str, int], float] = defaultdict(float)
    by_country: dict[str, dict[tuple[str, int], float]] = defaultdict(lambda: defaultdict(float))
    item_order: dict[str, int] = {}
    for item, month, quantity, country in supply.rows:
        total[item, month] += quantity
        item_order.setdefault(item, len(item_order))
        if country:
            by_country[country][item, month] += quantity
    resolved: list[Any] = []
    problems: list[FieldProblem] = []
    for index, change in enumerate(changes):
        if not _is_request(change):
            resolved.append(change)
            continue
        country, share = change["country"], change.get("share", 1.0)
        first, last = change.get("first_month", 0), change.get("last_month")
        last = supply.months - 1 if last is None else last
        if not (
            isinstance(country, str)
            and _number(share)
            and 0 < share <= 1
            and _whole(first)
            and _whole(last)
        ):
            resolved.append(change)
            continue
        if country not in by_country:
            known = ", ".join(supply.countries) or "none"
            problems.append(
                FieldProblem(
                    f"changes[{index}].country",
                    f'unknown supplier country "{country}": the registry expects foreign '
                    f"supply from {known}",
                )
            )
            continue
        cuts = _cuts(country, share, first, last, by_country[country], total, item_order)
        if not cuts:
            problems.append(
                FieldProblem(
                    f"changes[{index}].country",
                    f'supplier country "{country}" is expected to deliver nothing in months '
                    f"{first}..{last}",
                )
            )
        resolved.extend(cuts)
    if problems:
        raise InvalidInput(
            f"the scenario has {len(problems)} problem(s): {problems[0].field}: "
            f"{problems[0].message}",
            problems=problems,
        )
    return resolved


def _cuts(
    country: str,
    share: float,
    first: int,
    last: int,
    from_country: dict[tuple[str, int], float],
    total: dict[tuple[str, int], float],
    item_order: dict[str, int],
) -> list[dict[str, Any]]:
    """One cut per item and run of consecutive months with the same resolved share."""
    shares: dict[str, dict[int, float]] = defaultdict(dict)
    for (item, month), quantity in from_country.items():
        if first <= month <= last and quantity > 0 and total[item, month] > 0:
            part = round(share * quantity / total[item, month], SHARE_DIGITS)
            shares[item][month] = min(part, 1.0)
    cuts: list[dict[str, Any]] = []
    for item in sorted(shares, key=item_order.__getitem__):
        months = sorted(shares[item])
        start = months[0]
        for k, month in enumerate(months):
            following = months[k + 1] if k + 1 < len(months) else None
            part = shares[item][month]
            if following != month + 1 or shares[item][following] != part:
                cuts.append(
                    {
                        "kind": "foreign_supply_cut",
                        "country": country,
                        "items": [item],
                        "first_month": start,
                        "last_month": month,
                        "share": part,
                    }
                )
                if following is not None:
                    start = following
    return cuts


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
