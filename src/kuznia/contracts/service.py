"""Approving plan runs into contracts and purchase guarantees, and their lives afterwards: the
façade the routers, the web and the CLI call.

The work lives along its seams: `approval` (a plan run into draft contracts and guarantees),
`lifecycle` (sign, complete, terminate, start delivery, as `transitions` allows),
`amendments` (a new version of a contract's terms), `delivery_points` (the depots that
receive a contract or guarantee), `reads` (what the API shows) and `terms`
(money, quantities and funding in numbers).
"""

from __future__ import annotations

from kuznia.contracts.amendments import amend_contract
from kuznia.contracts.approval import approve_run
from kuznia.contracts.delivery_points import (
    set_contract_delivery_points,
    set_guarantee_delivery_points,
)
from kuznia.contracts.lifecycle import (
    change_contract,
    complete_contract,
    fulfil_guarantees,
    sign_contract,
    sign_guarantee,
    start_delivery,
    terminate_contract,
    terminate_guarantee,
)
from kuznia.contracts.reads import (
    MonthAgainstSchedule,
    RunApproval,
    contract_read,
    contract_version,
    contract_versions,
    get_contract,
    guarantee_read,
    list_contracts,
    list_guarantees,
    read_contract,
    read_guarantee,
    run_approval,
    schedule_against_accepted,
    version_read,
)
from kuznia.contracts.terms import (
    cents,
    current_terms,
    dump_guarantee_funds,
    funding_rows,
    guarantee_funds,
    split_value,
    units,
)
from kuznia.contracts.transitions import contract_actions, guarantee_actions, takes_deliveries

__all__ = [
    "MonthAgainstSchedule",
    "RunApproval",
    "amend_contract",
    "approve_run",
    "cents",
    "change_contract",
    "complete_contract",
    "contract_actions",
    "contract_read",
    "contract_version",
    "contract_versions",
    "current_terms",
    "dump_guarantee_funds",
    "fulfil_guarantees",
    "funding_rows",
    "get_contract",
    "guarantee_actions",
    "guarantee_funds",
    "guarantee_read",
    "list_contracts",
    "list_guarantees",
    "read_contract",
    "read_guarantee",
    "run_approval",
    "schedule_against_accepted",
    "set_contract_delivery_points",
    "set_guarantee_delivery_points",
    "sign_contract",
    "sign_guarantee",
    "split_value",
    "start_delivery",
    "takes_deliveries",
    "terminate_contract",
    "terminate_guarantee",
    "units",
    "version_read",
]
