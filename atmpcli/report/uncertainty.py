"""Rich tables for the uncertainty analyses (PSA, DSA, threshold)."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.psa_summary import PSASummary
from atmpcli.report.tables import STATUS_TEXT, amount, money


def psa_tables(summary: PSASummary, currency: str, effect: str, title: str) -> Group:
    r = summary.result
    unit = "QALY" if effect == "qalys" else "LY"
    eff = "QALYs" if effect == "qalys" else "Life-years"
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
            caption="Regression metamodel (docs/methods.md); its R² per strategy is in the CSV/JSON output.",
            caption_justify="left",
        )
        v.add_column(f"WTP ({currency}/{unit})", justify="right")
        for e in summary.evppi:
            v.add_column(", ".join(e.parameters), justify="right", overflow="fold")
        v.add_column("EVPI", justify="right")
        for i, w in enumerate(summary.wtp):
            v.add_row(f"{w:,.0f}", *(money(e.evppi[i]) for e in summary.evppi), money(summary.evpi[i]))
        parts.append(v)
    return Group(*parts)
