"""The navigation: a section is shown to a role only if the permissions' POLICY lets that role
read what the section shows, so the menu never offers a page that would answer 403."""

from __future__ import annotations

from dataclasses import dataclass

from kuznia.auth.permissions import Access, Action, Scope
from kuznia.web.i18n import N_


@dataclass(frozen=True)
class Section:
    """One entry of the menu: its path, its label (a catalog message) and the resource a
    role must be able to read to see it (None: everyone logged in)."""

    key: str
    path: str
    label: str
    resource: str | None
    # True: shown only to roles that read all of `resource` (not their organisation's part).
    whole: bool = False


SECTIONS = (
    Section("overview", "/overview", N_("Overview"), None),
    Section("industry", "/industry", N_("Industry"), "producers"),
    Section("needs", "/needs", N_("Needs"), "needs"),
    Section("funds", "/funds", N_("Funds"), "funds"),
    Section("plans", "/plans", N_("Plans"), "plan_runs"),
    Section("targets", "/targets", N_("Targets"), "targets"),
    # A run's exports and surplus are the ministry's; a partner sees where its funds' money
    # lands on the economy page.
    Section("exports", "/exports", N_("Exports"), "plan_runs", whole=True),
    Section("economy", "/economy", N_("Economy"), "plan_runs"),
    # The long questions asked of plans (what would close a shortfall, money curves, ...).
    Section("analyses", "/analyses", N_("Analyses"), "jobs"),
    # Contracts, guarantees and plan versus actual: producers see their own, partners those
    # their funds pay; the depots' staff record deliveries without reading contracts.
    Section("contracts", "/contracts", N_("Contracts"), "contracts"),
    # The daily ledger: depot staff record at their depots; planners and auditors read all.
    Section("ledger", "/ledger", N_("Ledger"), "depot_stock"),
    Section("audit", "/audit", N_("Audit"), "audit"),
    Section("users", "/users", N_("Users"), "users"),
)


def may_read(scope: Scope, resource: str) -> bool:
    """Whether the caller may read any of `resource` (all of it, or its own part)."""
    return scope.access(resource, Action.read) is not Access.none


def may_write(scope: Scope, resource: str) -> bool:
    """Whether the caller may change any of `resource`."""
    return scope.access(resource, Action.write) is not Access.none


def reads_all(scope: Scope, resource: str) -> bool:
    """Whether the caller reads every record of `resource`, not only its organisation's."""
    return scope.access(resource, Action.read) is Access.all


def sections_for(scope: Scope) -> list[Section]:
    """The sections this caller's role may see, in menu order."""
    return [
        s
        for s in SECTIONS
        if s.resource is None
        or (reads_all(scope, s.resource) if s.whole else may_read(scope, s.resource))
    ]
