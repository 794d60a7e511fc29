"""Words the pages show that come from data (roles, ownership, operations, fund kinds, reason
codes, categories, units, statuses, audit actions and entities), marked here so the catalogs
translate them; templates write `lang.term(value)` (a word no catalog knows shows as it is,
underscores as spaces)."""

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
PLAN_STATUSES = (
    N_("queued"),
    N_("running"),
    N_("finished"),
    N_("failed"),
    N_("cancelled"),
    N_("optimal"),
)
GUARANTEE_STATUSES = (N_("fulfilled"),)
ORGANISATION_KINDS = (N_("ministry"), N_("depot"))
# The synthetic catalogue's categories and units (kuznia.synthetic.catalog): a registry may hold
# others, which show as they are.
CATEGORIES = (
    N_("artillery_ammunition"),
    N_("mortar_ammunition"),
    N_("fpv_drones"),
    N_("reconnaissance_drones"),
    N_("long_range_strike_drones"),
    N_("armoured_vehicles"),
    N_("artillery_systems"),
    N_("electronic_warfare"),
    N_("counter_drone"),
    N_("missiles"),
    N_("naval_drones"),
    N_("ground_robots"),
)
UNITS = (N_("rounds"), N_("pcs"), N_("vehicles"), N_("systems"))
AUDIT_ACTIONS = (
    N_("create"),
    N_("update"),
    N_("delete"),
    N_("status"),
    N_("approve"),
    N_("sign"),
    N_("amend"),
    N_("complete"),
    N_("terminate"),
    N_("reverse"),
    N_("revoke_tokens"),
)
# The audit chain's entities: the tables it records (kuznia.models).
AUDIT_ENTITIES = (
    N_("items"),
    N_("depots"),
    N_("contracts"),
    N_("contract_versions"),
    N_("contract_deliveries"),
    N_("contract_funding"),
    N_("guarantees"),
    N_("production_reports"),
    N_("receipts"),
    N_("dispatches"),
    N_("depot_stocks"),
    N_("funds"),
    N_("fund_budgets"),
    N_("fund_eligibility"),
    N_("producers"),
    N_("joint_venture_partners"),
    N_("lines"),
    N_("expansions"),
    N_("groupings"),
    N_("needs"),
    N_("organisations"),
    N_("planning_settings"),
    N_("plan_runs"),
    N_("plan_run_tiers"),
    N_("plan_run_deliveries"),
    N_("plan_run_payments"),
    N_("plan_run_expansions"),
    N_("plan_run_allocations"),
    N_("plan_run_shortfalls"),
    N_("foreign_supplies"),
    N_("stocks"),
    N_("commitments"),
    N_("export_orders"),
    N_("targets"),
    N_("users"),
    N_("api_tokens"),
)
