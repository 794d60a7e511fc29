"""Words the pages show that come from data (roles, ownership, operations, fund kinds, reason
codes), marked here so the catalogs translate them; templates write `_(value)`."""

from __future__ import annotations

from kuznia.web.i18n import N_

ROLES = (N_("planner"), N_("producer"), N_("partner"), N_("logistics"), N_("auditor"), N_("admin"))
OWNERSHIP = (N_("state"), N_("private"), N_("joint_venture"))
OPERATIONS = (N_("defensive"), N_("offensive"), N_("stabilization"))
FUND_KINDS = (N_("partner"), N_("eu"), N_("jv"))
MODES = (N_("lp"), N_("milp"))
REASONS = (
    N_("capacity"),
    N_("budget"),
    N_("lead_time"),
    N_("no_eligible_fund"),
    N_("no_producer"),
)
SOLVE_STATUSES = (N_("time_limit"), N_("infeasible"))
ELIGIBILITY = (N_("categories"), N_("ownership"), N_("regions"), N_("producers"))
# Contracts' and guarantees' statuses (a guarantee is draft, signed or terminated).
CONTRACT_STATUSES = (
    N_("draft"),
    N_("signed"),
    N_("in_delivery"),
    N_("completed"),
    N_("terminated"),
)
