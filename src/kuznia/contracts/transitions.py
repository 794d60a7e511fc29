"""The lives of contracts and guarantees: which action moves which status to which.

One table, read by the lifecycle service (what it lets through) and by the web (which
buttons a contract's page offers):

    contract   sign       draft                          -> signed
               deliver    signed                         -> in_delivery  (first report or receipt)
               complete   in_delivery                    -> completed
               terminate  draft, signed, in_delivery     -> terminated   (with a reason)
               amend      draft, signed, in_delivery     -> (unchanged; a new version)
               route      draft, signed, in_delivery     -> (unchanged; new delivery points)
    guarantee  sign       draft                          -> signed
               fulfil     signed                         -> fulfilled    (its total bought)
               terminate  draft, signed                  -> terminated
               route      draft, signed                  -> (unchanged; new delivery points)

Deliveries (production reports, receipts, dispatches) are taken only by a contract in
`models.OPEN_FOR_DELIVERY`: signed or in delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from kuznia.models import OPEN_FOR_DELIVERY, ContractStatus, GuaranteeStatus

S = TypeVar("S", ContractStatus, GuaranteeStatus)


@dataclass(frozen=True)
class Move(Generic[S]):
    """An action: the statuses it may start from and the status it leaves (None: unchanged)."""

    action: str
    past: str
    source: frozenset[S]
    target: S | None


_C = ContractStatus
_G = GuaranteeStatus
_OPEN = frozenset({_C.draft, _C.signed, _C.in_delivery})

CONTRACT_MOVES: dict[str, Move[ContractStatus]] = {
    move.action: move
    for move in (
        Move("sign", "signed", frozenset({_C.draft}), _C.signed),
        Move("deliver", "delivered", frozenset({_C.signed}), _C.in_delivery),
        Move("complete", "completed", frozenset({_C.in_delivery}), _C.completed),
        Move("terminate", "terminated", _OPEN, _C.terminated),
        Move("amend", "amended", _OPEN, None),
        Move("route", "given new delivery points", _OPEN, None),
    )
}
GUARANTEE_MOVES: dict[str, Move[GuaranteeStatus]] = {
    move.action: move
    for move in (
        Move("sign", "signed", frozenset({_G.draft}), _G.signed),
        Move("fulfil", "fulfilled", frozenset({_G.signed}), _G.fulfilled),
        Move("terminate", "terminated", frozenset({_G.draft, _G.signed}), _G.terminated),
        Move("route", "given new delivery points", frozenset({_G.draft, _G.signed}), None),
    )
}

# The actions a person chooses on a contract's page (`deliver` happens by recording one;
# `amend` and `route` have forms of their own).
CONTRACT_ACTIONS = ("sign", "complete", "terminate")


def contract_actions(status: ContractStatus) -> frozenset[str]:
    """The page actions a contract in `status` offers."""
    return frozenset(
        action for action in CONTRACT_ACTIONS if status in CONTRACT_MOVES[action].source
    )


# The actions a person chooses on a guarantee (`fulfil` happens by buying its total).
GUARANTEE_ACTIONS = ("sign", "terminate")


def guarantee_actions(status: GuaranteeStatus) -> frozenset[str]:
    """The actions a guarantee in `status` offers."""
    return frozenset(
        action for action in GUARANTEE_ACTIONS if status in GUARANTEE_MOVES[action].source
    )


def takes_deliveries(status: ContractStatus) -> bool:
    """Whether a contract in `status` takes production reports, receipts and dispatches."""
    return status in OPEN_FOR_DELIVERY


def ordered(statuses: frozenset[S]) -> list[S]:
    """Statuses in their enum's order (for messages that list them)."""
    return [status for status in type(next(iter(statuses))) if status in statuses]
