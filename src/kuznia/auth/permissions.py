"""Who may do what: the need-to-know policy of DESIGN.md's roles, in one table.

`Access.own` means the role reaches only its organisation's rows; which rows those are is
decided where the data is read, by the repositories (`kuznia.registry.repository`,
`kuznia.plans.repository`), so no route can forget it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kuznia.errors import Forbidden
from kuznia.models import Role


class Access(StrEnum):
    none = "none"
    own = "own"
    all = "all"


class Action(StrEnum):
    read = "read"
    write = "write"


@dataclass(frozen=True)
class Scope:
    """The caller: who, in which role, for which organisation, and the producer, funds or
    depots that organisation stands for (a producer's company, a partner's funds, a depot
    organisation's depots)."""

    user_id: int
    role: Role
    organisation_id: int
    producer_id: int | None = None
    fund_ids: frozenset[int] = field(default_factory=frozenset)
    depot_ids: frozenset[int] = field(default_factory=frozenset)

    def access(self, resource: str, action: Action) -> Access:
        """How far this caller reaches into `resource` for `action`."""
        return POLICY[resource][action].get(self.role, Access.none)

    def require(self, resource: str, action: Action) -> Access:
        """This caller's access, or Forbidden when it has none."""
        access = self.access(resource, action)
        if access is Access.none:
            raise Forbidden(f"role {self.role.value} may not {action.value} {resource}")
        return access


_ALL, _OWN = Access.all, Access.own
_EVERYONE_READS = {
    Role.planner: _ALL,
    Role.producer: _ALL,
    Role.partner: _ALL,
    Role.logistics: _ALL,
    Role.auditor: _ALL,
}

# resource -> action -> role -> access; a role not named has none.
POLICY: dict[str, dict[Action, dict[Role, Access]]] = {
    # The catalogue and the horizon are common ground: everyone needs the item codes.
    "items": {Action.read: _EVERYONE_READS, Action.write: {Role.planner: _ALL}},
    "settings": {Action.read: _EVERYONE_READS, Action.write: {Role.planner: _ALL}},
    # A producer keeps its own company, lines (capacities, prices) and expansion options.
    "producers": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.producer: _OWN},
        Action.write: {Role.planner: _ALL, Role.producer: _OWN},
    },
    "lines": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.producer: _OWN},
        Action.write: {Role.planner: _ALL, Role.producer: _OWN},
    },
    "expansions": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.producer: _OWN},
        Action.write: {Role.planner: _ALL, Role.producer: _OWN},
    },
    # Depots dispatch to groupings, so they know them; what the troops need stays with planners.
    "groupings": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    "needs": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # A partner sees its own funds.
    "funds": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.partner: _OWN},
        Action.write: {Role.planner: _ALL},
    },
    "foreign_supply": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # Foreign buyers' offers: planners negotiate them; a producer reads those a planner shared
    # for its items (kuznia.registry.sections.EXPORT_ORDERS); partners and depots see none.
    "export_orders": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.producer: _OWN},
        Action.write: {Role.planner: _ALL},
    },
    "stock": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # Plan runs: a partner reads what its funds pay for in them.
    "plan_runs": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.partner: _OWN},
        Action.write: {Role.planner: _ALL},
    },
    # Analyses in the worker pool (what would close a shortfall, money curves, scenarios,
    # sweeps): the planners' workbench; auditors read them.
    "jobs": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # The registry as one document (snapshot export) holds everything.
    "instance": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # Execution. Depots: a depot organisation's staff see their own depots.
    "depots": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _OWN},
        Action.write: {Role.planner: _ALL},
    },
    # Contracts and guarantees: planners approve, sign, amend and terminate them; a producer
    # sees its own, a partner those its funds pay a share of.
    "contracts": {
        Action.read: {
            Role.planner: _ALL,
            Role.auditor: _ALL,
            Role.producer: _OWN,
            Role.partner: _OWN,
        },
        Action.write: {Role.planner: _ALL},
    },
    # A producer reports its own output.
    "production_reports": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.producer: _OWN},
        Action.write: {Role.producer: _OWN},
    },
    # Receipts, acceptance, dispatches and stock per depot: a depot's staff record their own;
    # a producer reads the receipts of its contracts, a partner those of contracts it funds.
    "receipts": {
        Action.read: {
            Role.planner: _ALL,
            Role.auditor: _ALL,
            Role.logistics: _OWN,
            Role.producer: _OWN,
            Role.partner: _OWN,
        },
        Action.write: {Role.logistics: _OWN},
    },
    # Foreign supply on arrival (no contract): a depot's staff record their own depots'.
    "foreign_receipts": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _OWN},
        Action.write: {Role.logistics: _OWN},
    },
    "dispatches": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _OWN},
        Action.write: {Role.logistics: _OWN},
    },
    # Correcting the ledger of closed periods by reversal is a planner's decision.
    "ledger_corrections": {Action.read: {}, Action.write: {Role.planner: _ALL}},
    "depot_stock": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL, Role.logistics: _OWN},
        Action.write: {},
    },
    # The daily report and plan versus actual, each caller's part of them.
    "execution_reports": {
        Action.read: {
            Role.planner: _ALL,
            Role.auditor: _ALL,
            Role.logistics: _OWN,
            Role.producer: _OWN,
            Role.partner: _OWN,
        },
        Action.write: {},
    },
    # National targets: planners set them; auditors read them; no one else needs them.
    "targets": {
        Action.read: {Role.planner: _ALL, Role.auditor: _ALL},
        Action.write: {Role.planner: _ALL},
    },
    # The audit chain: auditors and administrators read and verify it; nobody writes it but
    # the services.
    "audit": {
        Action.read: {Role.auditor: _ALL, Role.admin: _ALL},
        Action.write: {},
    },
    "users": {
        Action.read: {Role.admin: _ALL, Role.auditor: _ALL},
        Action.write: {Role.admin: _ALL},
    },
    "organisations": {
        Action.read: {Role.admin: _ALL, Role.auditor: _ALL},
        Action.write: {Role.admin: _ALL},
    },
}
