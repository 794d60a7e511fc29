"""The plan summary printed by `kuznia plan`: what a planner reads first."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from kuznia.planning.results import PlanResult, reason_text


def mip_gaps(result: PlanResult) -> str:
    """Each lexicographic stage with the relative MIP gap HiGHS reached ("tier:1 0.00%, ...")."""
    parts = []
    for stage in result.report.stages:
        gap = stage.mip_gap
        shown = f"{gap:.2%}" if gap is not None and math.isfinite(gap) else "—"
        parts.append(f"{stage.name} {shown}")
    return ", ".join(parts)


def _money(value: float) -> str:
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.2f} bn"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f} M"
    return f"{value:,.0f}"


def print_summary(console: Console, result: PlanResult, *, top: int = 10) -> None:
    """Coverage by category, largest shortfalls with reasons, spend per fund, capacity use."""
    report = result.report
    console.print(
        f"\n[bold]{result.name}[/] — status [bold]{result.status.value}[/], mode {result.mode}, "
        f"{report.columns:,} columns × {report.rows:,} rows, {report.nonzeros:,} nonzeros, "
        f"{report.seconds.get('total', sum(report.seconds.values())):.1f} s"
    )
    if result.conflicts:
        console.print("[bold red]The constraints conflict:[/]")
        for conflict in result.conflicts:
            console.print(f"  • {conflict}", markup=False)
        return
    if not result.tiers:
        console.print(f"[yellow]{report.message}[/]")
        return

    tiers = Table(title="Priority tiers (wum = weighted unit-months short)", title_justify="left")
    tiers.add_column("Priority", justify="right")
    tiers.add_column("Weighted unit-months short", justify="right")
    tiers.add_column("Unit-months short", justify="right")
    for tier in result.tiers:
        tiers.add_row(
            str(tier.priority),
            f"{tier.weighted_unit_months_short:,.0f}",
            f"{tier.unit_months_short:,.0f}",
        )
    console.print(tiers)
    console.print(
        f"Coverage overall [bold]{result.coverage:.1%}[/]; cost [bold]{_money(result.cost)} "
        f"{result.currency}[/] (deliveries {_money(result.delivery_cost)}, "
        f"capital {_money(result.capex)})"
    )

    if result.mode == "milp":
        console.print("MIP gap reached per stage: " + mip_gaps(result))
    _print_coverage(console, result)
    _print_shortfalls(console, result, top=top)
    _print_spend(console, result)
    _print_capacity(console, result)
    _print_exports_and_economy(console, result)
    _print_expansions(console, result)


def _print_coverage(console: Console, result: PlanResult) -> None:
    """Coverage by category, operation and grouping, least covered first."""
    for key, label in (
        ("category", "Category"),
        ("operation", "Operation"),
        ("grouping", "Grouping"),
    ):
        coverage = Table(title=f"Coverage by {key}", title_justify="left")
        for column in (label, "Need", "Short at end", "Coverage"):
            coverage.add_column(column, justify="left" if column == label else "right")
        for row in result.coverage_by(key).sort_values("coverage").itertuples():
            coverage.add_row(
                str(getattr(row, key)),
                f"{row.need:,.0f}",
                f"{row.short:,.0f}",
                f"{row.coverage:.1%}",
            )
        console.print(coverage)


def _print_shortfalls(console: Console, result: PlanResult, *, top: int) -> None:
    """The `top` largest shortfalls with their reasons, or that every need is covered."""
    if result.explanations:
        shortfalls = Table(
            title=f"Largest shortfalls ({len(result.explanations)} need classes short)",
            title_justify="left",
        )
        for column in ("Item", "Grouping", "Prio", "Operation", "Short at end", "wum", "Why"):
            shortfalls.add_column(column, overflow="fold")
        for e in result.explanations[:top]:
            shortfalls.add_row(
                e["item"],
                e["grouping"],
                str(e["priority"]),
                e["operation"],
                f"{e['short_at_end']:,.0f}",
                f"{e['weighted_unit_months_short']:,.0f}",
                "\n".join(reason_text(r, result.start) for r in e["reasons"]) or "—",
            )
        console.print(shortfalls)
    else:
        console.print("[green]Every need is covered in time.[/]")


def _print_spend(console: Console, result: PlanResult) -> None:
    """Spend per fund and year against the budget (years with neither left out)."""
    spend = Table(title="Spend per fund and year", title_justify="left")
    for column in ("Fund", "Kind", "Year", "Budget", "Spent", "Used"):
        spend.add_column(column, justify="left" if column in ("Fund", "Kind") else "right")
    for row in result.budget_use.itertuples():
        if row.budget <= 0 and row.spent <= 0:
            continue
        spend.add_row(
            str(row.fund),
            str(row.kind),
            str(row.year),
            _money(row.budget),
            _money(row.spent),
            f"{row.share:.0%}",
        )
    console.print(spend)


def _print_capacity(console: Console, result: PlanResult) -> None:
    """Capacity use by category, from lead time on."""
    use = result.capacity_use.groupby("category", as_index=False)[["capacity", "delivered"]].sum()
    capacity = Table(title="Capacity use by category (from lead time on)", title_justify="left")
    for column in ("Category", "Capacity", "Delivered", "Used"):
        capacity.add_column(column, justify="left" if column == "Category" else "right")
    for row in use.itertuples():
        share = row.delivered / row.capacity if row.capacity > 0 else 0.0
        capacity.add_row(
            str(row.category), f"{row.capacity:,.0f}", f"{row.delivered:,.0f}", f"{share:.0%}"
        )
    console.print(capacity)


def _print_expansions(console: Console, result: PlanResult) -> None:
    """The expansions chosen, the largest by capital first."""
    if len(result.expansions):
        chosen = result.expansions.sort_values("capex", ascending=False)
        console.print(
            f"Expansions chosen: [bold]{len(chosen)}[/], capital {_money(float(chosen['capex'].sum()))} "
            f"{result.currency}, adding {chosen['added_capacity'].sum():,.0f} units/month; largest: "
            + ", ".join(
                f"{r.expansion} on {r.line} ({r.level:.0%})" for r in chosen.head(5).itertuples()
            )
        )
    else:
        console.print("Expansions chosen: none.")


def _print_exports_and_economy(console: Console, result: PlanResult) -> None:
    """Export revenue (where there are export orders) and the economy by region, ownership and
    joint-venture partner country."""
    if result.has_export_orders:
        served = result.exports[result.exports["quantity"] > 0]
        console.print(
            f"Exports: [bold]{len(served)}[/] of {len(result.exports)} orders served, revenue "
            f"[bold]{_money(result.export_revenue)} {result.currency}[/] (tiers and cost unchanged)"
        )
    titles = {
        "by_region": ("Economy by region", "Region", "region"),
        "by_ownership": ("By ownership", "Ownership", "ownership"),
        "by_partner_country": ("By JV partner country (partner's share)", "Country", "country"),
    }
    for name, (title, heading, key) in titles.items():
        frame = result.economy.get(name)
        if frame is None or frame.empty:
            continue
        table = Table(title=title, title_justify="left")
        columns = [heading, "Spend", "Output value", "Export revenue"]
        if result.has_jobs:
            columns.append("Jobs")
        for column in columns:
            table.add_column(column, justify="left" if column == heading else "right")
        for row in frame.to_dict("records"):
            cells = [
                str(row[key]),
                _money(row["spend"]),
                _money(row["output_value"]),
                _money(row["export_revenue"]),
            ]
            if result.has_jobs:
                cells.append(f"{row['jobs']:,.0f}")
            table.add_row(*cells)
        console.print(table)
