"""Rich tables for the uncertainty analyses (PSA, DSA, threshold)."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.psa_summary import PSASummary
from atmpcli.report.tables import STATUS_TEXT, amount, money


def psa_tables(summary: PSASummary, currency: str, effect: str, title: str) -> Group:
    r = summary.result
    unit = {"qalys": "QALY", "life_years": "LY", "responders": "responder"}[effect]
    eff = {"qalys": "QALYs", "life_years": "Life-years", "responders": "Responders"}[effect]
    head = f"{title}\n[dim]{r.samples:,} samples" + (f", seed {r.seed}" if r.seed is not None else "")
    head += f" ({r.source}); means and 95 % intervals[/dim]"
    t = Table(title=head, title_justify="left")
    for col in ("Strategy", f"Cost ({currency})", "95 % interval", eff, "95 % interval", "Status"):
        t.add_column(col, justify="left" if col in ("Strategy", "Status") else "right", no_wrap=col == "Strategy")
    for k, s in enumerate(summary.strategies):
        name = s + (" (comparator)" if k == r.comparator else "")
        t.add_row(
            name,
            money(summary.cost.mean[k]),
            f"{money(summary.cost.low[k])} – {money(summary.cost.high[k])}",
            amount(summary.effect.mean[k], 4),
            f"{amount(summary.effect.low[k], 3)} – {amount(summary.effect.high[k], 3)}",
            STATUS_TEXT[summary.incremental.status[k]],
        )
    parts: list[Any] = [t]

    if summary.wtp:
        c = Table(
            title=f"Probability cost-effective (CEAC), optimal strategy (CEAF) and EVPI ({currency} per person)",
            title_justify="left",
            caption="* highest expected net monetary benefit at that threshold",
            caption_justify="left",
        )
        c.add_column(f"WTP ({currency}/{unit})", justify="right")
        for s in summary.strategies:
            c.add_column(s, justify="right")
        c.add_column("EVPI", justify="right")
        if summary.population:
            c.add_column(f"EVPI x {summary.population:,.0f}", justify="right")
        for i, w in enumerate(summary.wtp):
            cells = [f"{w:,.0f}"]
            for k in range(len(summary.strategies)):
                cells.append(f"{summary.ceac[i, k]:.3f}" + (" *" if summary.optimal[i] == k else "  "))
            cells.append(money(summary.evpi[i]))
            if summary.population:
                cells.append(money(summary.evpi[i] * summary.population))
            c.add_row(*cells)
        parts.append(c)

    if summary.evppi:
        v = Table(
            title=f"EVPPI ({currency} per person)",
            title_justify="left",
            caption=f"Regression metamodel ({', '.join(sorted({e.method for e in summary.evppi}))}; docs/methods.md), "
            "± its standard error; the R² per strategy is in the CSV/JSON output.",
            caption_justify="left",
        )
        v.add_column(f"WTP ({currency}/{unit})", justify="right")
        for e in summary.evppi:
            v.add_column(", ".join(e.parameters), justify="right", overflow="fold")
        v.add_column("EVPI", justify="right")
        for i, w in enumerate(summary.wtp):
            v.add_row(f"{w:,.0f}", *(_with_se(e.evppi[i], e.se[i]) for e in summary.evppi), money(summary.evpi[i]))
        parts.append(v)
    return Group(*parts)


def _with_se(value: float, se: float) -> str:
    return money(value) if math.isnan(se) else f"{money(value)} ± {money(se)}"


def num(x: float) -> str:
    """A parameter value: thousands separators for large numbers, 4 significant digits otherwise."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


SOURCE_TEXT = {"given": "given", "distribution": "2.5-97.5%", "percent": "+/- %"}

OUTCOME_TEXT = {
    "inc_nmb": "incremental NMB",
    "icer": "ICER",
    "inc_cost": "incremental cost",
    "inc_effect": "incremental effect",
}


def tornado_table(ow: Any, currency: str, title: str) -> Table:
    what = OUTCOME_TEXT[ow.outcome]
    head = (
        f"{title}\n[dim]One-way sensitivity: {what} of {ow.strategy} vs {ow.comparator}"
        + (f" at {ow.wtp:,.0f} {currency} per unit of effect" if ow.outcome == "inc_nmb" else "")
        + f"; base case {money(ow.base_value)}; largest swing first[/dim]"
    )
    t = Table(
        title=head,
        title_justify="left",
        caption=f"Optimal strategy (highest NMB at {ow.wtp:,.0f}) in the base case: {ow.optimal_base}",
        caption_justify="left",
    )
    for col in ("Parameter", "Low", "High", "Range", "At low", "At high", "Swing", "Optimal low/high"):
        t.add_column(
            col,
            justify="left" if col in ("Parameter", "Range", "Optimal low/high") else "right",
            no_wrap=col == "Parameter",
        )
    for i in ow.order():
        r = ow.ranges[i]
        t.add_row(
            r.parameter,
            num(r.low),
            num(r.high),
            SOURCE_TEXT[r.source],
            money(ow.low_values[i]),
            money(ow.high_values[i]),
            money(ow.swing[i]),
            f"{ow.optimal_low[i]} / {ow.optimal_high[i]}",
        )
    return t


def two_way_table(tw: Any, outcome: str) -> Table:
    t = Table(
        title=f"Two-way sensitivity: optimal strategy and {OUTCOME_TEXT[outcome]} "
        f"({tw.a.parameter} down, {tw.b.parameter} across)",
        title_justify="left",
    )
    t.add_column(f"{tw.a.parameter} \\ {tw.b.parameter}", justify="right")
    for b in tw.b_values:
        t.add_column(num(b), justify="right")
    for i, a in enumerate(tw.a_values):
        t.add_row(num(a), *(f"{tw.optimal[i][j]}\n{money(tw.values[i, j])}" for j in range(len(tw.b_values))))
    return t


def threshold_table(res: Any, currency: str, title: str) -> Table:
    t = Table(
        title=f"{title}\n[dim]Threshold of {res.parameter} (base {num(res.base)}; searched "
        f"{num(res.low)} to {num(res.high)}) at which {res.strategy} has the highest NMB[/dim]",
        title_justify="left",
    )
    for col in ("WTP", "Threshold", f"{res.strategy} is cost-effective", "Note"):
        t.add_column(col, justify="right" if col in ("WTP", "Threshold") else "left")
    for p in res.points:
        when = "" if p.cost_effective_below is None else ("below" if p.cost_effective_below else "above")
        t.add_row(f"{p.wtp:,.0f}", "—" if p.value is None else num(p.value), when, p.note)
    return t
