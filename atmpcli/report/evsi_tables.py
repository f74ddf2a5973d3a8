"""Rich tables of an EVSI analysis: per threshold, EVSI (± its standard error) by study size, with the
population EVSI, study cost and ENBS when they are known."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from atmpcli.report.number_formats import currency_or_units, money, money_with_se

if TYPE_CHECKING:  # annotations only: the renderer module stays cheap to import
    from atmpcli.analysis.evsi import EVSIResult


def evsi_tables(r: EVSIResult) -> Group:
    currency, title = currency_or_units(r.units.currency), r.title
    follow = r.study.follows_up
    head = (
        f"{title}\n[dim]EVSI of {r.study.describe()}; {r.samples:,} samples, "
        f"{r.method} regression on the study's summary data (docs/methods.md)[/dim]"
    )
    parts: list[Any] = [head]
    enbs, best = r.enbs, r.optimal()
    for i, w in enumerate(r.wtp):
        parts.append(
            f"WTP {w:,.0f} {currency}: EVPI {money(r.evpi[i])}, EVPPI of {', '.join(r.study.parameters)} "
            f"{money_with_se(r.evppi[i], r.evppi_se[i])} per person"
        )
        t = Table()
        t.add_column("n", justify="right")
        if follow:
            t.add_column("Follow-up", justify="right")
        t.add_column("EVSI per person", justify="right")
        if r.population is not None:
            t.add_column("Population EVSI", justify="right")
        if enbs is not None:
            t.add_column("Study cost", justify="right")
            t.add_column("ENBS", justify="right")
        for j, (n, f) in enumerate(r.designs):
            cells = [f"{n:,}" + (" *" if best[i] == j else "  ")]
            if follow:
                cells.append(f"{f:g} y")
            cells.append(money_with_se(r.evsi[j, i], r.se[j, i]))
            if r.population is not None:
                cells.append(money(r.evsi[j, i] * r.population))
            if enbs is not None:
                cells += [money(r.cost[j]), money(enbs[j, i])]
            t.add_row(*cells)
        if enbs is not None:
            t.caption = (
                "* the highest expected net benefit of sampling (of the sizes asked)"
                if best[i] is not None
                else "no study size asked has a positive ENBS"
            )
            t.caption_justify = "left"
        parts.append(t)
    return Group(*parts)
