"""Rich tables for the equity command (distributional CEA): the summary per strategy, or by subgroup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from atmpcli.report.number_formats import amount, money, percent

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.dcea import DistributionalCEA

INDEX_NAME = {"atkinson": "Atkinson ε", "kolm": "Kolm α"}


def equity_tables(result: DistributionalCEA) -> Any:
    """One summary table per strategy, or with ``equity --by-subgroup`` one subgroup table per strategy."""
    table = subgroup_table if result.main == "subgroups" else summary_table
    names = list(dict.fromkeys(result.summary["strategy"]))
    return Group(*(table(result, n) for n in names))


def _signed(x: float, digits: int = 2) -> str:
    return f"{x:+,.{digits}f}"


def summary_table(result: DistributionalCEA, strategy: str) -> Group:
    """Efficiency (one column) over equity (one column per inequality index)."""
    rows = result.summary[result.summary["strategy"] == strategy]
    first = rows.iloc[0]
    cur = result.units.currency
    k = f"{money(result.threshold)} {cur}/QALY"
    title = Text.from_markup(
        f"{strategy} vs {result.comparator}: distributional CEA\n"
        f"[dim]{result.population:,.0f} people; QALYs forgone at {k}, spread {_rule(result)}[/dim]"
    )
    efficiency = Table(show_header=False)
    efficiency.add_column("", no_wrap=True)
    efficiency.add_column("", justify="right")
    efficiency.add_row("Recipients", amount(first.recipients, 1))
    efficiency.add_row(f"Inc. cost per patient ({cur})", money(first.inc_cost))
    efficiency.add_row("Inc. QALYs per patient", amount(first.inc_qalys))
    efficiency.add_row("Health benefit (QALYs)", amount(first.health_benefit, 1))
    efficiency.add_row("Opportunity cost (QALYs)", amount(first.opportunity_cost, 1))
    efficiency.add_row("Net health benefit (QALYs)", _signed(first.net_health_benefit, 1))
    efficiency.add_row(f"Net monetary benefit ({cur})", money(first.nmb))
    equity = Table(
        caption="Equity impact > 0: inequality falls. QALYs: population totals; EDE: per person.",
        caption_justify="left",
    )
    equity.add_column("", no_wrap=True)
    for r in rows.itertuples():
        equity.add_column(f"{INDEX_NAME[r.index]} = {r.aversion:g}", justify="right")
    each = list(rows.itertuples())
    equity.add_row("EDE before (QALE)", *[amount(r.ede_before, 2) for r in each])
    equity.add_row("Change in EDE (QALYs)", *[f"{r.ede_change:+.3g}" for r in each])
    equity.add_row("Equity-weighted NHB (QALYs)", *[_signed(r.equity_weighted_nhb, 1) for r in each])
    equity.add_row("Equity impact (QALYs)", *[_signed(r.equity_impact, 1) for r in each])
    equity.add_row(f"Equity-weighted NMB ({cur})", *[money(r.equity_weighted_nmb) for r in each])
    equity.add_row("Plane", *[r.quadrant.replace(", ", ",\n") for r in each])
    return Group(title, efficiency, equity)


def _rule(result: DistributionalCEA) -> str:
    return "per head" if result.opportunity_costs == "per_capita" else "by subgroup share"


def subgroup_table(result: DistributionalCEA, strategy: str) -> Table:
    rows = result.subgroups[result.subgroups["strategy"] == strategy]
    table = Table(
        title=f"{strategy} vs {result.comparator}: by subgroup (QALYs are totals)",
        title_justify="left",
        caption=f"Weights: the value of a QALY to the subgroup, Atkinson ε = {result.aversion['atkinson']:g}, "
        f"Kolm α = {result.aversion['kolm']:g}.",
        caption_justify="left",
    )
    heads = ("Subgroup", "Pop.", "QALE", "Patients", "Benefit", "Opp. cost", "Net", "Wt A", "Wt K")
    for i, name in enumerate(heads):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for r in rows.itertuples():
        table.add_row(
            r.subgroup,
            percent(r.population_share),
            amount(r.qale, 2),
            percent(r.patient_share),
            amount(r.health_benefit, 1),
            amount(r.opportunity_cost, 1),
            _signed(r.net_health_benefit, 1),
            amount(r.weight_atkinson, 2),
            amount(r.weight_kolm, 2),
        )
    return table
