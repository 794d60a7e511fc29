"""The one table of contract and guarantee moves: what each status offers."""

from __future__ import annotations

import pytest

from kuznia.contracts.transitions import (
    CONTRACT_MOVES,
    contract_actions,
    guarantee_actions,
    takes_deliveries,
)
from kuznia.models import ContractStatus, GuaranteeStatus


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (ContractStatus.draft, {"sign", "terminate"}),
        (ContractStatus.signed, {"terminate"}),
        (ContractStatus.in_delivery, {"complete", "terminate"}),
        (ContractStatus.completed, set()),
        (ContractStatus.terminated, set()),
    ],
)
def test_a_contract_page_offers_what_its_status_allows(
    status: ContractStatus, actions: set[str]
) -> None:
    assert contract_actions(status) == actions


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (GuaranteeStatus.draft, {"sign", "terminate"}),
        (GuaranteeStatus.signed, {"terminate"}),
        (GuaranteeStatus.fulfilled, set()),
        (GuaranteeStatus.terminated, set()),
    ],
)
def test_a_guarantee_offers_what_its_status_allows(
    status: GuaranteeStatus, actions: set[str]
) -> None:
    assert guarantee_actions(status) == actions


def test_signed_and_in_delivery_contracts_take_deliveries_and_no_other() -> None:
    assert [status for status in ContractStatus if takes_deliveries(status)] == [
        ContractStatus.signed,
        ContractStatus.in_delivery,
    ]


def test_the_first_delivery_moves_a_signed_contract_into_delivery() -> None:
    move = CONTRACT_MOVES["deliver"]

    assert (move.source, move.target) == (
        frozenset({ContractStatus.signed}),
        ContractStatus.in_delivery,
    )
