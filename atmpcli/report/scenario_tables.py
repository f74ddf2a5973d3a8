"""Rich tables of what a scenario holds and of scenario-level analyses: the scenario list, the parameters
(``show``), the cohort trace, variants side by side, and the budget impact."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.result import records
from atmpcli.report.number_formats import EFFECT_TEXT, STATUS_TEXT, compact, effect_amount, missing, money

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.budget import BudgetImpact
    from atmpcli.analysis.inputs import ScenarioInputs
    from atmpcli.analysis.scenario_list import ScenarioList
    from atmpcli.analysis.trace import CohortTrace
    from atmpcli.analysis.variants import ScenarioAnalysis


def list_table(result: ScenarioList) -> Table:
    t = Table(title="Scenarios", title_justify="left")
    for col in ("name", "title", "strategies", "illustrative", "origin"):
        t.add_column(col.capitalize(), overflow="fold")
    for r in result.rows:
        t.add_row(
            r["name"], r["title"], r["strategies"].replace(";", ", "), "yes" if r["illustrative"] else "no", r["origin"]
        )
    return t


def parameters_table(result: ScenarioInputs) -> Table:
    t = Table(
        title=f"{result.title}\n[dim]Parameters (base case; time-varying ones have no single value)[/dim]",
        title_justify="left",
    )
    for col in ("Parameter", "Value", "Formula", "Distribution", "Source", "Set by"):
        t.add_column(col, overflow="fold", no_wrap=col == "Parameter")
    for r in result.rows:
        value = "" if missing(r["value"]) else f"{r['value']:.6g}"
        t.add_row(r["parameter"], value, r["formula"], r["distribution"], r["source"], r["set_by_strategy"])
    return t


def trace_tables(result: CohortTrace) -> Group:
    """One table per strategy: the share of the cohort in each state by cycle."""
    parts = []
    for strategy in result.strategies:
        t = Table(title=f"{result.title}\n[dim]Cohort trace: {strategy}[/dim]", title_justify="left")
        wide = result.by_state(strategy)
        t.add_column("Cycle", justify="right")
        t.add_column("Years", justify="right")
        for state in result.states:
            t.add_column(state, justify="right")
        for r in wide.to_dict(orient="records"):
            t.add_row(str(r["cycle"]), f"{r['years']:g}", *(f"{r[s]:.4f}" for s in result.states))
        parts.append(t)
    return Group(*parts)


def variants_table(result: ScenarioAnalysis) -> Table:
    currency, effect = result.units.currency, result.units.effect
    t = Table(
        title=f"{result.title}\n[dim]Scenario analysis: base case and variants[/dim]",
        title_justify="left",
        caption="Optimal: the thresholds at which the strategy has the highest NMB.",
        caption_justify="left",
    )
    for col, just in [
        ("Variant", "left"),
        ("Strategy", "left"),
        (f"Cost ({currency})", "right"),
        (EFFECT_TEXT[effect], "right"),
        ("ICER", "right"),
        ("Status", "left"),
        ("Optimal at", "left"),
    ]:
        t.add_column(col, justify=just, no_wrap=col in ("Variant", "Strategy", "Status"))  # type: ignore[arg-type]
    previous = None
    for r in result.rows:
        variant = r["variant"] if r["variant"] != previous else ""
        previous = r["variant"]
        optimal = ", ".join(f"{float(w):,.0f}" for w in r["optimal"].split(";") if w)
        t.add_row(
            variant,
            r["strategy"],
            money(r["cost"]),
            effect_amount(r["effect"]),
            money(r["icer"]),
            STATUS_TEXT[r["status"]],
            optimal,
        )
    return t


def budget_table(result: BudgetImpact) -> Group:
    t = Table(
        title=f"{result.title}\n[dim]Budget impact ({result.units.currency}, "
        + ("undiscounted" if not result.discount else f"discounted at {result.discount:.3g}")
        + ")[/dim]",
        title_justify="left",
    )
    t.add_column("Year", justify="right")
    for col in ("Budget without", "Budget with", "Difference"):
        t.add_column(col, justify="right")
    for r in records(result.by_year):
        year = "Total" if r["year"] == "total" else str(r["year"])
        t.add_row(year, compact(r["without"]), compact(r["with"]), compact(r["difference"]))
    p = Table(
        title="Patients starting each strategy (with the new strategies; waiting for a slot)", title_justify="left"
    )
    p.add_column("Strategy", no_wrap=True)
    for y in range(result.years):
        p.add_column(f"Year {y + 1}", justify="right")
    for s in result.strategies:
        started, waiting = result.started["with"][s], result.waiting["with"][s]
        p.add_row(
            s, *(f"{a:,.0f}" + (f" (+{b:,.0f})" if b > 0.5 else "") for a, b in zip(started, waiting, strict=True))
        )
    return Group(t, p)
