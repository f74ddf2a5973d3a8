"""Tables and the JSON document of an EVSI analysis."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Group
from rich.table import Table

from atmpcli.analysis.evsi import EVSIResult
from atmpcli.report.tables import money


def _pm(value: float, se: float) -> str:
    return money(value) if math.isnan(se) else f"{money(value)} ± {money(se)}"


def evsi_tables(r: EVSIResult, currency: str, title: str) -> Group:
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
            f"{_pm(r.evppi[i], r.evppi_se[i])} per person"
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
            cells.append(_pm(r.evsi[j, i], r.se[j, i]))
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


def evsi_document(r: EVSIResult, header: dict[str, Any]) -> dict[str, Any]:
    doc = dict(header)
    best = r.optimal()
    doc["evsi"] = {
        "study": {
            "design": r.study.kind,
            "parameters": list(r.study.parameters),
            "description": r.study.describe(),
            "summaries": r.study.summaries,
        },
        "samples": r.samples,
        "method": r.method,
        "population": r.population,
        "wtp": r.wtp,
        "evpi": [float(x) for x in r.evpi],
        "evppi": [float(x) for x in r.evppi],
        "evppi_se": [float(x) for x in r.evppi_se],
        "designs": [
            {
                "size": n,
                "followup": f,
                "evsi": [float(x) for x in r.evsi[j]],
                "se": [float(x) for x in r.se[j]],
                "study_cost": float(r.cost[j]) if r.costs is not None else None,
                "enbs": [float(x) for x in r.enbs[j]] if r.enbs is not None else None,
            }
            for j, (n, f) in enumerate(r.designs)
        ],
        "optimal_size": [r.designs[b][0] if b is not None else None for b in best],
    }
    return doc
