"""Full incremental analysis: strong and extended dominance, the efficiency frontier and ICERs.

Strategies are ranked by cost. A strategy is *dominated* (D) when another costs no more and gives at
least as much effect, one of them strictly (so equal effect at higher cost is dominated; of two
identical strategies the later one listed is). Among the rest, a strategy is *extendedly dominated*
(ED) when its ICER exceeds that of the next more effective strategy; removal is repeated until the
frontier's ICERs increase. Each frontier strategy is compared with the previous one (its reference).

:func:`icers` wraps the analysis of any table of strategies as a result (``atmpcli icers``); the
comparison of a scenario's strategies (analysis/compare.py) uses the same frame for its incremental table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from atmpcli.analysis.result import Provenance, Result, Rows, result_type

if TYPE_CHECKING:
    import pandas as pd

NOT_DOMINATED, DOMINATED, EXTENDED = "ND", "D", "ED"


@dataclass
class IncrementalAnalysis:
    strategies: list[str]
    status: list[str]
    reference: list[str | None]
    inc_cost: np.ndarray  # vs the reference; NaN off the frontier and for the first frontier strategy
    inc_effect: np.ndarray
    icer: np.ndarray
    frontier: list[str]  # in order of increasing cost


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))  # relative: invariant to the unit of cost


def incremental_analysis(
    strategies: Sequence[str], costs: Sequence[float], effects: Sequence[float]
) -> IncrementalAnalysis:
    names = list(strategies)
    c = np.asarray(costs, dtype=float)
    e = np.asarray(effects, dtype=float)
    n = len(names)
    if not (len(c) == len(e) == n):
        raise ValueError("strategies, costs and effects must have the same length")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(e))):
        raise ValueError("costs and effects must be finite numbers")
    status = [NOT_DOMINATED] * n
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            cheaper_or_same = c[j] < c[i] or _same(c[j], c[i])
            better_or_same = e[j] > e[i] or _same(e[j], e[i])
            strictly = not (_same(c[j], c[i]) and _same(e[j], e[i]))
            if cheaper_or_same and better_or_same and (strictly or j < i):
                status[i] = DOMINATED
                break
    frontier = sorted((i for i in range(n) if status[i] == NOT_DOMINATED), key=lambda i: (c[i], -e[i]))
    while len(frontier) > 2:
        icers = [(c[b] - c[a]) / (e[b] - e[a]) for a, b in zip(frontier, frontier[1:], strict=False)]
        worse = next((k for k in range(len(icers) - 1) if icers[k] > icers[k + 1]), None)
        if worse is None:
            break
        status[frontier[worse + 1]] = EXTENDED
        del frontier[worse + 1]
    reference: list[str | None] = [None] * n
    inc_c, inc_e, icer = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for a, b in zip(frontier, frontier[1:], strict=False):
        reference[b] = names[a]
        inc_c[b], inc_e[b] = c[b] - c[a], e[b] - e[a]
        icer[b] = inc_c[b] / inc_e[b]
    return IncrementalAnalysis(names, status, reference, inc_c, inc_e, icer, [names[i] for i in frontier])


ICER_COLUMNS = ["strategy", "cost", "effect", "status", "reference", "inc_cost", "inc_effect", "icer"]


def incremental_rows(
    names: Sequence[str], costs: Sequence[float], effects: Sequence[float], inc: IncrementalAnalysis
) -> Rows:
    """The incremental-analysis table (ICER_COLUMNS): strategies by increasing cost, then decreasing effect."""
    order = sorted(range(len(names)), key=lambda i: (costs[i], -effects[i]))
    rows = [
        {
            "strategy": names[i],
            "cost": float(costs[i]),
            "effect": float(effects[i]),
            "status": inc.status[i],
            "reference": inc.reference[i],
            "inc_cost": float(inc.inc_cost[i]),
            "inc_effect": float(inc.inc_effect[i]),
            "icer": float(inc.icer[i]),
        }
        for i in order
    ]
    return Rows(rows, ICER_COLUMNS)


@result_type
class IncrementalTable(Result):
    """The incremental analysis of any table of strategies (``atmpcli icers``)."""

    sheet: ClassVar[str] = "ICERs"
    incremental: IncrementalAnalysis
    table: pd.DataFrame  # ICER_COLUMNS, by increasing cost

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"icers": self.table}

    def body(self) -> dict[str, Any]:
        return {"frontier": list(self.incremental.frontier), "rows": self.records_of("icers")}


def icers(
    strategies: Sequence[str], costs: Sequence[float], effects: Sequence[float], *, source: str = ""
) -> IncrementalTable:
    """Dominance, extended dominance and ICERs of strategies given by their costs and effects."""
    inc = incremental_analysis(strategies, costs, effects)
    files = {"strategies_file": source} if source else {}
    return IncrementalTable(
        title="Incremental analysis",
        provenance=Provenance(files=files),
        incremental=inc,
        table=incremental_rows(list(strategies), list(costs), list(effects), inc),
    )
